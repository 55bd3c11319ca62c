using Supacs.Storage.Tus;

namespace Supacs.Storage.Tests.Tus;

public sealed class TusHeadersTests
{
    [Fact]
    public void Metadata_pairs_decode_base64_values_and_keys_without_values()
    {
        var m = TusHeaders.ParseMetadata("bucketName YXZhdGFycw==,objectName Zm9sZGVyL2EucG5n,flag");
        Assert.NotNull(m);
        Assert.Equal("avatars", m["bucketName"]);
        Assert.Equal("folder/a.png", m["objectName"]);
        Assert.Equal("", m["flag"]);
    }

    [Fact]
    public void Malformed_metadata_is_null() => Assert.Null(TusHeaders.ParseMetadata("bucketName !!notbase64!!"));

    [Fact]
    public void Upload_ids_round_trip_and_are_url_safe()
    {
        var id = TusHeaders.UploadId("bucket", "a/b c/d?.png", "0b0e1f40-0000-4000-8000-000000000000");
        Assert.Matches("^[A-Za-z0-9_-]+$", id);
        Assert.Equal(("bucket", "a/b c/d?.png", "0b0e1f40-0000-4000-8000-000000000000"), TusHeaders.ParseUploadId(id));
        Assert.Null(TusHeaders.ParseUploadId("bm9zbGFzaA"));
    }
}
