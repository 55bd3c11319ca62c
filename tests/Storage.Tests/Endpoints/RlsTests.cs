using System.Net;
using System.Text;

namespace Supacs.Storage.Tests.Endpoints;

/// <summary>The usual Supabase policy set: users confined to their own folder of a private bucket.</summary>
public sealed class RlsFixture : StorageHostFixture
{
    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("""
            INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', false);
            CREATE POLICY "own folder read" ON storage.objects FOR SELECT TO authenticated
              USING (bucket_id = 'avatars' AND auth.uid()::text = (storage.foldername(name))[1]);
            CREATE POLICY "own folder insert" ON storage.objects FOR INSERT TO authenticated
              WITH CHECK (bucket_id = 'avatars' AND auth.uid()::text = (storage.foldername(name))[1]);
            CREATE POLICY "own folder update" ON storage.objects FOR UPDATE TO authenticated
              USING (bucket_id = 'avatars' AND auth.uid()::text = (storage.foldername(name))[1]);
            CREATE POLICY "own folder delete" ON storage.objects FOR DELETE TO authenticated
              USING (bucket_id = 'avatars' AND auth.uid()::text = (storage.foldername(name))[1]);
            """);
    }
}

public sealed class RlsTests(RlsFixture f) : IClassFixture<RlsFixture>
{
    private static readonly string AliceToken = StorageHostFixture.UserToken(StorageHostFixture.Alice);
    private static readonly string BobToken = StorageHostFixture.UserToken(StorageHostFixture.Bob);

    [Fact]
    public async Task User_writes_and_reads_only_in_own_folder()
    {
        using (var own = await f.UploadAsync("avatars", $"{StorageHostFixture.Alice}/me.png", "a"u8.ToArray(), AliceToken, "image/png"))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(StorageHostFixture.Alice, await f.ScalarAsync<string>($"SELECT owner_id FROM storage.objects WHERE name = '{StorageHostFixture.Alice}/me.png'"));
        using (var other = await f.UploadAsync("avatars", $"{StorageHostFixture.Bob}/x.png", "a"u8.ToArray(), AliceToken, "image/png"))
        {
            var err = await StorageHostFixture.BodyAsync(other);
            Assert.Equal("403", err.GetProperty("statusCode").GetString());
            Assert.Equal("new row violates row-level security policy", err.GetProperty("message").GetString());
        }
        using (var read = await f.SendAsync(HttpMethod.Get, $"/object/authenticated/avatars/{StorageHostFixture.Alice}/me.png", AliceToken))
            Assert.Equal("a", await read.Content.ReadAsStringAsync());
        using (var bobRead = await f.SendAsync(HttpMethod.Get, $"/object/authenticated/avatars/{StorageHostFixture.Alice}/me.png", BobToken))
            Assert.Equal("Object not found", (await StorageHostFixture.BodyAsync(bobRead)).GetProperty("message").GetString());
        using (var bobSign = await f.JsonAsync(HttpMethod.Post, $"/object/sign/avatars/{StorageHostFixture.Alice}/me.png", BobToken, new { expiresIn = 60 }))
            Assert.Equal("404", (await StorageHostFixture.BodyAsync(bobSign)).GetProperty("statusCode").GetString());
        using var anon = await f.UploadAsync("avatars", "anon.png", "a"u8.ToArray(), f.AnonKey, "image/png");
        Assert.Equal("403", (await StorageHostFixture.BodyAsync(anon)).GetProperty("statusCode").GetString());
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name IN ('anon.png', '" + StorageHostFixture.Bob + "/x.png')"));
    }

    [Fact]
    public async Task Listing_and_bulk_delete_only_touch_own_rows()
    {
        using (var a = await f.UploadAsync("avatars", $"{StorageHostFixture.Alice}/l1.png", "1"u8.ToArray(), AliceToken, "image/png")) Assert.True(a.IsSuccessStatusCode);
        using (var b = await f.UploadAsync("avatars", $"{StorageHostFixture.Bob}/l2.png", "2"u8.ToArray(), BobToken, "image/png")) Assert.True(b.IsSuccessStatusCode);
        using (var list = await f.JsonAsync(HttpMethod.Post, "/object/list/avatars", BobToken, new { prefix = "" }))
        {
            var names = (await StorageHostFixture.BodyAsync(list)).EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
            Assert.Equal([StorageHostFixture.Bob], names);
        }
        using (var del = await f.SendAsync(HttpMethod.Delete, "/object/avatars", BobToken,
            new StringContent($$"""{"prefixes":["{{StorageHostFixture.Alice}}/l1.png","{{StorageHostFixture.Bob}}/l2.png"]}""", Encoding.UTF8, "application/json")))
            Assert.Equal(1, (await StorageHostFixture.BodyAsync(del)).GetArrayLength());
        Assert.Equal(1L, await f.ScalarAsync<long>($"SELECT count(*) FROM storage.objects WHERE name = '{StorageHostFixture.Alice}/l1.png'"));
        using var single = await f.SendAsync(HttpMethod.Delete, $"/object/avatars/{StorageHostFixture.Alice}/l1.png", BobToken);
        Assert.Equal("403", (await StorageHostFixture.BodyAsync(single)).GetProperty("statusCode").GetString());
        Assert.Equal(1L, await f.ScalarAsync<long>($"SELECT count(*) FROM storage.objects WHERE name = '{StorageHostFixture.Alice}/l1.png'"));
    }

    private Task<HttpResponseMessage> DeleteManyAsync(string token, string json) =>
        f.SendAsync(HttpMethod.Delete, "/object/avatars", token, new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Recursive_folder_delete_removes_what_the_caller_may_delete_under_the_folder()
    {
        var a = StorageHostFixture.Alice;
        foreach (var k in new[] { $"{a}/rec/1.png", $"{a}/rec/sub/2.png", $"{a}/recx.png", $"{a}/keep/3.png" })
            using (var up = await f.UploadAsync("avatars", k, "x"u8.ToArray(), AliceToken, "image/png")) Assert.True(up.IsSuccessStatusCode);
        var folder = $$"""{"prefixes":["{{a}}/rec/"]""";
        // Without the flag a folder entry is an exact key, as upstream: nothing matches.
        using (var exact = await DeleteManyAsync(AliceToken, folder + "}")) Assert.Equal(0, (await StorageHostFixture.BodyAsync(exact)).GetArrayLength());
        // Bob's policy hides Alice's rows: nothing deleted.
        using (var bob = await DeleteManyAsync(BobToken, folder + ""","recursive":true}""")) Assert.Equal(0, (await StorageHostFixture.BodyAsync(bob)).GetArrayLength());
        using (var own = await DeleteManyAsync(AliceToken, folder + ""","recursive":true}"""))
        {
            var names = (await StorageHostFixture.BodyAsync(own)).EnumerateArray().Select(e => e.GetProperty("name").GetString()).Order().ToList();
            Assert.Equal([$"{a}/rec/1.png", $"{a}/rec/sub/2.png"], names);
        }
        Assert.Equal(2L, await f.ScalarAsync<long>($"SELECT count(*) FROM storage.objects WHERE name IN ('{a}/recx.png', '{a}/keep/3.png')"));
        Assert.DoesNotContain(f.StoredFiles(), p => p.Contains("/rec/", StringComparison.Ordinal));
    }
}
