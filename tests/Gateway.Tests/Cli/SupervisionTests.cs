using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Supacs.Gateway.Tests.Cli;

/// <summary>
/// The supervisor restarts an embedded PostgreSQL that dies underneath Supacs (an OOM kill, a crash), and
/// requests work again afterwards without restarting Supacs.
/// </summary>
public sealed class SupervisionTests
{
    /// <summary>The postmaster is the parent of any backend; a backend's /proc stat names it.</summary>
    private static async Task<int> PostmasterPidAsync(string dataDir)
    {
        // The connection stays open while /proc is read: the backend exists only as long as it does.
        await using var conn = await SupacsProcess.OpenAdminAsync(dataDir);
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT pg_backend_pid()", conn);
        var backend = (int)(await cmd.ExecuteScalarAsync())!;
        var stat = await File.ReadAllTextAsync($"/proc/{backend}/stat");
        // Fields after the command name "(postgres)": state, ppid, ...
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(afterName[1], CultureInfo.InvariantCulture);
    }

    private static async Task<HttpResponseMessage> GetRowsAsync(HttpClient client, Uri url, string anonKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/rest/v1/notes?select=body"));
        request.Headers.Add("apikey", anonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", anonKey);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_killed_postmaster_is_restarted_and_requests_succeed_again()
    {
        var dataDir = SupacsProcess.NewDataDir();
        await using var process = SupacsProcess.Start(dataDir);
        await process.WaitForHealthAsync();
        await SupacsProcess.ExecuteAsync(dataDir,
            "CREATE TABLE public.notes (body text); INSERT INTO public.notes VALUES ('kept'); GRANT SELECT ON public.notes TO anon; NOTIFY pgrst, 'reload schema';");
        var anonKey = process.AnonKey;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Fill the API pool with connections that the crash will break.
        var warm = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GetRowsAsync(client, process.Url, anonKey)));
        Assert.All(warm, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var oldPostmaster = await PostmasterPidAsync(dataDir);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", oldPostmaster.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();

        // The supervisor notices within its 5 s tick and starts the cluster again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        int newPostmaster = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                newPostmaster = await PostmasterPidAsync(dataDir);
                if (newPostmaster != oldPostmaster) break;
            }
            catch (Npgsql.NpgsqlException) { }
            catch (IOException) { }
            await Task.Delay(250);
        }
        Assert.NotEqual(0, newPostmaster);
        Assert.NotEqual(oldPostmaster, newPostmaster);
        await process.WaitForHealthAsync();

        // Every pooled connection died with the old server: the first requests afterwards must not fail.
        var after = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GetRowsAsync(client, process.Url, anonKey)));
        foreach (var response in after)
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{process.Output}");
        Assert.Contains("kept", await after[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(process.HasExited);
    }
}
