using Microsoft.AspNetCore.Http;

namespace Supacs.Rest.Http;

internal enum ReturnPreference { Unset, Minimal, HeadersOnly, Representation }

internal enum CountPreference { None, Exact, Planned, Estimated }

/// <summary>The <c>Prefer</c> header(s): several headers or one comma list; the first occurrence of a key wins.</summary>
internal sealed class Preferences
{
    public ReturnPreference Return { get; private set; }
    public CountPreference Count { get; private set; }
    public string? Resolution { get; private set; }
    public string? Missing { get; private set; }
    public string? Handling { get; private set; }
    public string? Tx { get; private set; }
    public long? MaxAffected { get; private set; }
    public string? Timezone { get; private set; }
    public List<string> Invalid { get; } = [];

    /// <summary>The preferences that took effect, for <c>Preference-Applied</c>.</summary>
    public List<string> Applied { get; } = [];

    /// <summary>
    /// The pre-commit check of a write: a singular media type needs exactly one row, and with
    /// <c>handling=strict</c> a <c>max-affected=N</c> limit rolls back larger writes (PGRST124).
    /// </summary>
    /// <summary>The check deciding commit or rollback of a PATCH/DELETE; null when nothing can fail it.</summary>
    public Func<StatementResult, RestException?>? WriteCheck(MediaType media, bool representation)
    {
        var singular = representation ? media.SingularCheck : null;
        if (!(Handling == "strict" && MaxAffected is { } max)) return singular;
        return r => r.PageTotal > max
            ? new RestException(400, "PGRST124", "Query result exceeds max-affected preference constraint",
                $"The query affects {r.PageTotal} rows", (string?)null)
            : singular?.Invoke(r);
    }

    public static Preferences Parse(HttpRequest request)
    {
        var p = new Preferences();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var header in request.Headers["Prefer"])
        {
            if (header is null) continue;
            foreach (var raw in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = raw.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? raw : raw[..eq].Trim();
                var value = eq < 0 ? "" : raw[(eq + 1)..].Trim();
                if (!seen.Add(key)) continue;
                var ok = true;
                switch (key)
                {
                    case "return":
                        p.Return = value switch
                        {
                            "minimal" => ReturnPreference.Minimal,
                            "headers-only" => ReturnPreference.HeadersOnly,
                            "representation" => ReturnPreference.Representation,
                            _ => ReturnPreference.Unset,
                        };
                        ok = p.Return != ReturnPreference.Unset;
                        break;
                    case "count":
                        p.Count = value switch
                        {
                            "exact" => CountPreference.Exact,
                            "planned" => CountPreference.Planned,
                            "estimated" => CountPreference.Estimated,
                            _ => CountPreference.None,
                        };
                        ok = p.Count != CountPreference.None;
                        break;
                    case "resolution" when value is "merge-duplicates" or "ignore-duplicates":
                        p.Resolution = value;
                        break;
                    case "missing" when value is "default" or "null":
                        p.Missing = value;
                        break;
                    case "handling" when value is "strict" or "lenient":
                        p.Handling = value;
                        break;
                    case "tx" when value is "commit" or "rollback":
                        p.Tx = value;
                        break;
                    case "max-affected" when long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n):
                        p.MaxAffected = n;
                        break;
                    case "timezone" when value.Length > 0:
                        p.Timezone = value;
                        break;
                    case "params" when value == "single-object":
                        break;
                    default:
                        ok = false;
                        break;
                }
                if (!ok) p.Invalid.Add(raw);
            }
        }
        return p;
    }
}
