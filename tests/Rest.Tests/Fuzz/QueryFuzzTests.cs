// Generator tables are literal arrays on purpose: readable grammar pieces, not a hot path.
#pragma warning disable CA1861, CA1827
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Supacs.Rest.Tests.Fuzz;

/// <summary>
/// Thousands of random and mutated query strings, headers and bodies: no 5xx, no syntax error (42601) from
/// the SQL we generate, and the database is unchanged afterwards (reads, and anon writes RLS refuses).
/// </summary>
public sealed class QueryFuzzTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private const int Requests = 10_000;

    private static readonly string[] Tables = ["users", "posts", "comments", "tags", "post_tags", "messages", "profiles", "notes", "published_posts", "docs", "ranges", "nope", "\"users\"", "us ers", "users;drop"];
    private static readonly string[] Columns = ["id", "name", "age", "data", "title", "body", "tags", "published", "score", "author_id", "post_id", "r", "tsv", "content", "nope", "\"id\"", "na,me", "x'y", "a\"b", "*", "data->city", "data->>city", "data->langs->0", "data->'x", "ö", ""];
    private static readonly string[] Ops = ["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "in", "is", "isdistinct", "fts", "plfts", "phfts", "wfts", "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "not.eq", "not.in", "eq(any)", "like(all)", "fts(english)", "fts(x'y)", "zz", ""];
    private static readonly string[] Values = ["1", "0", "-1", "abc", "'", "''", "\"", "\\", "%", "*", "(1,2)", "(\"a,b\",c)", "()", "{1,2}", "{}", "{\"a\":1}", "[1,5)", "null", "true", "NULL", "not_null", "unknown",
        "1); DROP TABLE users; --", "$1", "$$", "::text", "\0", "é€😀", "2024-01-01", "11111111-1111-1111-1111-111111111111", "1e309", "999999999999999999999", ")", "(", ",", "."];
    private static readonly string[] Embeds = ["users", "posts", "comments", "tags", "profiles", "messages", "nope", "users!inner", "users!left", "users!sender_id", "users!nope", "...users", "author:users", "posts!inner"];
    private static readonly string[] Prefers = ["count=exact", "count=planned", "count=estimated", "return=representation", "return=minimal", "handling=strict", "handling=strict, bogus=1", "tx=rollback", "timezone=Europe/Paris", "timezone=nope", "resolution=merge-duplicates", "max-affected=1", "params=single-object", "x"];
    private static readonly string[] Accepts = ["application/json", "application/vnd.pgrst.object+json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.array+json;nulls=stripped", "text/csv", "*/*", "text/html", "application/xml", "",
        "text/csv;q=0.5, application/json", "*/*;q=0", "a/b;q=abc", "application/vnd.pgrst.plan+json; for=\"x/y\"", "application/vnd.pgrst.array;nulls=stripped;x",
        "text/plain", "application/octet-stream", ";;,,", "application/geo+json, */*;q=0.1"];

    [Fact]
    public async Task Random_requests_never_fail_on_our_side_and_change_nothing()
    {
        var before = await ChecksumAsync();
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForAsync(0, 8, async (worker, ct) =>
        {
            var rng = new Random(1000 + worker);
            for (var i = worker; i < Requests; i += 8)
            {
                var (method, path, body, headers) = Generate(rng);
                var (status, text, _) = await fx.SendAsync(method, path, body, null, headers);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                string? code = null;
                string? message = null;
                if (text.StartsWith('{') && status >= 300)
                {
                    try
                    {
                        using var doc = JsonDocument.Parse(text);
                        if (doc.RootElement.TryGetProperty("code", out var c)) code = c.GetString();
                        if (doc.RootElement.TryGetProperty("message", out var m)) message = m.GetString();
                    }
                    catch (JsonException)
                    {
                    }
                }
                // A tsquery syntax error is about the client's search text (to_tsquery parses it), not our SQL.
                var ourSyntaxError = code == "42601" && message?.StartsWith("syntax error in tsquery", StringComparison.Ordinal) != true;
                if (status >= 500 || ourSyntaxError)
                    failures.Add($"{method} {path} [{string.Join("; ", headers)}] body={body} -> {status} {text}");
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} bad responses, e.g.:\n" + string.Join("\n", failures.Take(8)));
        Assert.Equal(before, await ChecksumAsync());
        // The generator must reach both successes and client errors, or it tests nothing.
        Assert.True(statuses.Keys.Count(s => s is >= 200 and < 300) > 0 && statuses.Keys.Any(s => s >= 400));
        Assert.True(statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value) > Requests / 20);
    }

    private async Task<string> ChecksumAsync()
    {
        var sb = new StringBuilder();
        foreach (var t in new[] { "users", "posts", "comments", "tags", "post_tags", "messages", "profiles", "notes", "docs", "ranges" })
            sb.Append(await fx.Database.ScalarAsync<string>($"SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM public.{t} t")).Append('|');
        return sb.ToString();
    }

    private static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];

    private static readonly Dictionary<string, string[]> Known = new()
    {
        ["users"] = ["id", "name", "age", "data->>city", "posts(title)", "profiles(bio)"],
        ["posts"] = ["id", "title", "body", "score", "published", "users(name)", "comments(body)", "tags(name)"],
        ["comments"] = ["id", "body", "post_id", "posts(title)", "users(name)"],
        ["tags"] = ["id", "name", "posts(id)"],
    };

    /// <summary>A well-formed read on a known table (mostly succeeds), so the fuzzer also exercises the happy path.</summary>
    private static string WellFormed(Random rng, out string table)
    {
        table = Pick(rng, Known.Keys.ToArray());
        var cols = Known[table];
        var plain = cols.Where(c => !c.Contains('(', StringComparison.Ordinal) && !c.Contains('>', StringComparison.Ordinal)).ToArray();
        var select = string.Join(",", Enumerable.Range(0, rng.Next(1, 4)).Select(_ => Pick(rng, cols)).Distinct());
        var col = Pick(rng, plain);
        var op = Pick(rng, new[] { "eq", "neq", "gt", "lt", "gte", "lte", "is", "in", "not.eq", "like", "ilike" });
        var value = op switch
        {
            "is" => Pick(rng, new[] { "null", "true", "not_null" }),
            "in" => "(" + Pick(rng, new[] { "1,2", "3" }) + ")",
            "like" or "ilike" => Pick(rng, new[] { "*a*", "B*", "%" }),
            _ => Pick(rng, new[] { "1", "2", "Hello" }),
        };
        if (col is "name" or "title" or "body") value = op is "in" ? "(Hello,Bob)" : op is "is" ? "null" : op is "like" or "ilike" ? value : "Alice";
        if (col is "published") value = op is "is" ? "true" : "true";
        if (col is "id" && value is "Hello" or "Alice") value = "1";
        if (col is "id" && op is "like" or "ilike") op = "eq";
        if (col is "id" && op is "like" or "ilike" or "eq" && value.StartsWith('*')) value = "1";
        var q = $"select={Uri.EscapeDataString(select)}&{Uri.EscapeDataString(col)}={Uri.EscapeDataString(op + "." + value)}";
        if (rng.Next(2) == 0) q += "&order=" + Pick(rng, plain) + Pick(rng, new[] { "", ".desc", ".asc.nullsfirst" });
        if (rng.Next(2) == 0) q += "&limit=" + rng.Next(0, 5);
        return q;
    }

    private static (HttpMethod, string, string?, string[]) Generate(Random rng)
    {
        var roll = rng.Next(100);
        if (roll < 35)
        {
            var q = WellFormed(rng, out var known);
            var h = rng.Next(4) == 0 ? new[] { "Prefer: count=exact" } : [];
            return (rng.Next(10) == 0 ? HttpMethod.Head : HttpMethod.Get, "/" + known + "?" + q, null, h);
        }
        var table = rng.Next(10) == 0 ? Pick(rng, Tables) : Pick(rng, Tables[..6]);
        var pairs = new List<(string, string)>();
        if (rng.Next(3) > 0) pairs.Add(("select", Select(rng, 0)));
        var filters = rng.Next(4);
        for (var i = 0; i < filters; i++) pairs.Add(Filter(rng));
        if (rng.Next(4) == 0) pairs.Add(("order", string.Join(",", Enumerable.Range(0, rng.Next(1, 3)).Select(_ => Pick(rng, Columns) + Pick(rng, new[] { "", ".asc", ".desc", ".desc.nullslast", ".nullsfirst", ".bad" })))));
        if (rng.Next(4) == 0) pairs.Add(("limit", Pick(rng, new[] { "1", "0", "5", "-1", "abc", "99999999999999999999" })));
        if (rng.Next(5) == 0) pairs.Add(("offset", Pick(rng, new[] { "1", "0", "10", "-1", "x" })));
        if (rng.Next(5) == 0) pairs.Add((Pick(rng, new[] { "or", "and", "not.or", "posts.or" }), Logic(rng, 0)));
        if (rng.Next(6) == 0) pairs.Add((Pick(rng, Embeds).TrimStart('.') + "." + Pick(rng, new[] { "order", "limit", "offset", "id" }), Pick(rng, new[] { "id.desc", "1", "eq.1", "x" })));
        var query = string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        if (rng.Next(10) == 0) query = Mutate(rng, query);
        var headers = new List<string>();
        if (rng.Next(3) == 0) headers.Add("Prefer: " + Pick(rng, Prefers));
        if (rng.Next(3) == 0) headers.Add("Accept: " + Pick(rng, Accepts));
        if (rng.Next(8) == 0) headers.Add("Range: " + Pick(rng, new[] { "0-1", "5-", "2-1", "a-b", "-3" }));
        if (rng.Next(20) == 0) headers.Add("Accept-Profile: " + Pick(rng, new[] { "public", "nope", "graphql_public" }));

        if (roll < 75) return (rng.Next(8) == 0 ? HttpMethod.Head : HttpMethod.Get, "/" + table + "?" + query, null, headers.ToArray());
        if (roll < 85)
        {
            var fn = Pick(rng, new[] { "add", "hello", "numbers", "posts_by", "greet", "sum_all", "nope", "echo", "user_table", "first_post" });
            var args = Pick(rng, new[] { "a=1&b=2", "n=3", "name=x", "nums=1&nums=2", "author=11111111-1111-1111-1111-111111111111", "min_age=x", "a=1", "" });
            return (HttpMethod.Get, $"/rpc/{fn}?{args}&{query}", null, headers.ToArray());
        }
        // Writes as anon against RLS-protected notes (no insert/update/delete policy for anon): must change nothing.
        var body = Pick(rng, new[] { """{"body":"x"}""", """[{"body":"x"},{"body":"y"}]""", """[{"body":"x"},{"nope":"y"}]""", "{", "[]", "{}", "null", "1", """{"owner":"11111111-1111-1111-1111-111111111111","body":"forged"}""", """{"nope":1}""" });
        if (rng.Next(5) == 0) body = Mutate(rng, body);
        var method = Pick(rng, new[] { HttpMethod.Post, HttpMethod.Patch, HttpMethod.Delete });
        var filter = Filter(rng);
        return (method, "/notes?" + Uri.EscapeDataString(filter.Item1) + "=" + Uri.EscapeDataString(filter.Item2) + (rng.Next(2) == 0 ? "&select=" + Uri.EscapeDataString(Select(rng, 1)) : ""),
            method == HttpMethod.Delete ? null : body, headers.ToArray());
    }

    private static (string, string) Filter(Random rng)
    {
        var column = rng.Next(6) == 0 ? Pick(rng, Embeds).Split('!')[0].TrimStart('.') + "." + Pick(rng, Columns) : Pick(rng, Columns);
        var op = Pick(rng, Ops);
        var value = Pick(rng, Values);
        if (rng.Next(8) == 0) value = Mutate(rng, value);
        return (column, op.Length == 0 ? value : op + "." + value);
    }

    private static string Logic(Random rng, int depth)
    {
        var items = Enumerable.Range(0, rng.Next(0, 4)).Select(_ =>
        {
            if (depth < 2 && rng.Next(4) == 0) return Pick(rng, new[] { "or", "and", "not.and" }) + Logic(rng, depth + 1);
            var (c, v) = Filter(rng);
            return c + "." + v;
        });
        return "(" + string.Join(",", items) + ")";
    }

    private static string Select(Random rng, int depth)
    {
        var items = new List<string>();
        var n = rng.Next(1, 4);
        for (var i = 0; i < n; i++)
        {
            var k = rng.Next(10);
            if (k < 5) items.Add(Pick(rng, Columns) + (rng.Next(6) == 0 ? "::" + Pick(rng, new[] { "text", "int", "jsonb", "x y", "text[]", "'" }) : ""));
            else if (k < 6) items.Add(Pick(rng, new[] { "a", "b c", "\"q\"" }) + ":" + Pick(rng, Columns));
            else if (k < 8 && depth < 3) items.Add(Pick(rng, Embeds) + "(" + Select(rng, depth + 1) + ")");
            else if (k < 9) items.Add(Pick(rng, new[] { "count()", "id.sum()", "*" }));
            else items.Add(Pick(rng, Embeds) + "()");
        }
        var select = string.Join(",", items);
        return rng.Next(10) == 0 ? Mutate(rng, select) : select;
    }

    private static string Mutate(Random rng, string s)
    {
        const string alphabet = "(),.:!\"'*{}[]->%\\ ;$\u00e9";
        var sb = new StringBuilder(s);
        var edits = rng.Next(1, 4);
        for (var i = 0; i < edits; i++)
        {
            var pos = sb.Length == 0 ? 0 : rng.Next(sb.Length);
            switch (rng.Next(3))
            {
                case 0: sb.Insert(pos, alphabet[rng.Next(alphabet.Length)]); break;
                case 1: if (sb.Length > 0) sb.Remove(pos, 1); break;
                default: if (sb.Length > 0) sb[pos] = alphabet[rng.Next(alphabet.Length)]; break;
            }
        }
        return sb.ToString();
    }
}
