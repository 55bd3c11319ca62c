using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using NpgsqlTypes;
using Supacs.Storage.Data;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>ListObjects (v1: marker) and ListObjectsV2 (continuation-token, start-after), with prefix and delimiter, as the caller.</summary>
internal static class S3Listing
{
    private const string Sql = """
        SELECT k, is_prefix, metadata::text, updated_at FROM (
          SELECT DISTINCT ON (k) * FROM (
            SELECT CASE WHEN s > 0 THEN left(o.name, length($2) + s + length($3) - 1) ELSE o.name END COLLATE "C" AS k,
                   s > 0 AS is_prefix, o.metadata, o.updated_at
            FROM (SELECT *, CASE WHEN $3 = '' THEN 0 ELSE position($3 IN substr(name, length($2) + 1)) END AS s
                  FROM storage.objects WHERE bucket_id = $1 AND starts_with(name, $2)) o
            WHERE ($4::text IS NULL OR (o.name COLLATE "C" > $4
                   AND NOT ($3 <> '' AND right($4, length($3)) = $3 AND starts_with(o.name, $4))))
          ) x ORDER BY k
        ) y ORDER BY k LIMIT $5
        """;

    public static async Task ListAsync(HttpContext ctx, StorageRequest req, string bucket, bool v2)
    {
        var q = ctx.Request.Query;
        var prefix = q["prefix"].ToString();
        var delimiter = q["delimiter"].ToString();
        var maxKeys = int.TryParse(q["max-keys"], CultureInfo.InvariantCulture, out var mk) ? Math.Clamp(mk, 0, 1000) : 1000;
        var urlEncode = q["encoding-type"] == "url";
        string? after;
        if (v2)
        {
            var token = q["continuation-token"].ToString();
            after = token.Length > 0 ? DecodeToken(token) : q["start-after"].ToString() is { Length: > 0 } sa ? sa : null;
        }
        else after = q["marker"].ToString() is { Length: > 0 } marker ? marker : null;

        var rows = new List<(string Key, bool IsPrefix, ObjectMetadata? Meta, DateTime? Updated)>();
        await using (var scope = await req.BeginAsync("storage.s3.object.list"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await using var cmd = await scope.CommandAsync(Sql, bucket, prefix, delimiter,
                new Npgsql.NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, maxKeys + 1);
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted))
            {
                var updated = r.IsDBNull(3) ? (DateTime?)null : r.GetDateTime(3);
                rows.Add((r.GetString(0), r.GetBoolean(1), r.GetBoolean(1) ? null : ObjectMetadata.Parse(r.IsDBNull(2) ? null : r.GetString(2), updated), updated));
            }
        }
        var truncated = rows.Count > maxKeys;
        if (truncated) rows.RemoveAt(rows.Count - 1);
        string Enc(string s) => urlEncode ? SigV4.UriEncode(s, keepSlash: true) : s;
        await S3Xml.WriteAsync(ctx.Response, "ListBucketResult", w =>
        {
            var ns = S3Xml.Ns;
            w.WriteElementString("Name", ns, bucket);
            w.WriteElementString("Prefix", ns, Enc(prefix));
            if (v2)
            {
                w.WriteElementString("KeyCount", ns, rows.Count.ToString(CultureInfo.InvariantCulture));
                if (q["continuation-token"].ToString() is { Length: > 0 } ct) w.WriteElementString("ContinuationToken", ns, ct);
                if (q["start-after"].ToString() is { Length: > 0 } sa) w.WriteElementString("StartAfter", ns, Enc(sa));
            }
            else w.WriteElementString("Marker", ns, Enc(after ?? ""));
            w.WriteElementString("MaxKeys", ns, maxKeys.ToString(CultureInfo.InvariantCulture));
            if (delimiter.Length > 0) w.WriteElementString("Delimiter", ns, Enc(delimiter));
            if (urlEncode) w.WriteElementString("EncodingType", ns, "url");
            w.WriteElementString("IsTruncated", ns, truncated ? "true" : "false");
            if (truncated && rows.Count > 0)
            {
                if (v2) w.WriteElementString("NextContinuationToken", ns, EncodeToken(rows[^1].Key));
                else w.WriteElementString("NextMarker", ns, Enc(rows[^1].Key));
            }
            foreach (var row in rows.Where(r => !r.IsPrefix))
            {
                w.WriteStartElement("Contents", ns);
                w.WriteElementString("Key", ns, Enc(row.Key));
                w.WriteElementString("LastModified", ns, S3Xml.Time(row.Meta!.LastModified));
                w.WriteElementString("ETag", ns, row.Meta.ETag);
                w.WriteElementString("Size", ns, row.Meta.Size.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("StorageClass", ns, "STANDARD");
                w.WriteEndElement();
            }
            foreach (var row in rows.Where(r => r.IsPrefix))
            {
                w.WriteStartElement("CommonPrefixes", ns);
                w.WriteElementString("Prefix", ns, Enc(row.Key));
                w.WriteEndElement();
            }
        });
    }

    private static string EncodeToken(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new StorageError("400", "InvalidArgument", "The continuation token provided is incorrect", "InvalidArgument");
        }
    }
}
