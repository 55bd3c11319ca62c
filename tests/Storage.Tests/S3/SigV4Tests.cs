using System.Text;
using Supacs.Storage.S3;

namespace Supacs.Storage.Tests.S3;

/// <summary>AWS's published SigV4 examples for S3 (GET Object with Range; the aws-chunked PUT example).</summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Get_object_example_signature_matches()
    {
        var sig = SigV4.ParseHeader(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            "20130524T000000Z")!;
        var headers = new Dictionary<string, string>
        {
            ["host"] = "examplebucket.s3.amazonaws.com",
            ["range"] = "bytes=0-9",
            ["x-amz-content-sha256"] = SigV4.EmptySha256,
            ["x-amz-date"] = "20130524T000000Z",
        };
        var canonical = SigV4.CanonicalRequest("GET", "/test.txt", [], sig.SignedHeaders, h => headers[h], SigV4.EmptySha256);
        var key = SigV4.SigningKey(Secret, sig.Date, sig.Region, sig.Service);
        Assert.Equal(sig.Signature, SigV4.Sign(key, SigV4.StringToSign(sig, canonical)));
    }

    [Fact]
    public async Task Signed_chunks_verify_and_a_tampered_chunk_fails()
    {
        var sig = new SigV4Request("AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3", [], "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
            "20130524T000000Z", false, null);
        var key = SigV4.SigningKey(Secret, "20130524", "us-east-1", "s3");
        string Body(char fill) =>
            "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" + new string(fill, 65536) + "\r\n" +
            "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" + new string('a', 1024) + "\r\n" +
            "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
        Func<string, string, string> verify = (prev, hash) => SigV4.ChunkSignature(key, sig, prev, hash);

        using (var ok = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(Body('a'))), verify, sig.Signature))
        {
            using var output = new MemoryStream();
            await ok.CopyToAsync(output);
            Assert.Equal(66560, output.Length);
        }
        using var bad = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(Body('b'))), verify, sig.Signature);
        await Assert.ThrowsAsync<S3SignatureException>(() => bad.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task Unsigned_chunks_with_trailer_decode()
    {
        var body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        using var s = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(body)), null, null);
        using var reader = new StreamReader(s);
        Assert.Equal("hello world", await reader.ReadToEndAsync());
    }

    [Fact]
    public void Uri_encoding_follows_aws_rules()
    {
        Assert.Equal("/a%20b/c~d%2Be", SigV4.UriEncode("/a b/c~d+e", keepSlash: true));
        Assert.Equal("a%2Fb", SigV4.UriEncode("a/b", keepSlash: false));
    }
}
