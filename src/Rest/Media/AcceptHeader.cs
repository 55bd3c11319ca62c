namespace Supacs.Rest.Media;

/// <summary>
/// One media range of an <c>Accept</c> header: <see cref="Mime"/> is <c>type/subtype</c> lower-cased, <see cref="Text"/>
/// the range as sent (spaces and the <c>q</c> part removed, as PostgREST echoes it in PGRST107).
/// </summary>
internal sealed record AcceptedMedia(string Mime, string Text, IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    public string? Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// PostgREST's Accept parsing (wai-extra's <c>parseHttpAccept</c>): spaces are dropped, each range is cut at
/// <c>;q=</c>, and the ranges are ordered by q value, then by specificity (parameters count up, <c>*</c> count down),
/// keeping the header's order between equals. No header means <c>*/*</c>.
/// </summary>
internal static class AcceptHeader
{
    private static readonly IReadOnlyList<AcceptedMedia> Any = [new("*/*", "*/*", [])];
    private static readonly IReadOnlyList<AcceptedMedia> Json = [new("application/json", "application/json", [])];

    public static IReadOnlyList<AcceptedMedia> Parse(string? header)
    {
        // What clients send nearly always (fetch's default, postgrest-js), without parsing.
        if (string.IsNullOrWhiteSpace(header) || header == "*/*") return Any;
        if (header == "application/json") return Json;
        var ranked = new List<(AcceptedMedia Media, double Q, int Specificity, int Index)>();
        var index = 0;
        foreach (var raw in header.Replace(" ", "", StringComparison.Ordinal).Split(','))
        {
            if (raw.Length == 0) continue;
            var text = raw;
            var q = 1.0;
            var qAt = raw.IndexOf(";q=", StringComparison.Ordinal);
            if (qAt >= 0)
            {
                text = raw[..qAt];
                var qText = raw[(qAt + 3)..].Split(';')[0];
                if (!double.TryParse(qText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out q)) q = 1.0;
            }
            var specificity = text.Count(c => c == ';') - text.Count(c => c == '*');
            var parts = text.Split(';');
            var parameters = new List<KeyValuePair<string, string>>();
            foreach (var p in parts.Skip(1))
            {
                var kv = p.Split('=', 2);
                if (kv.Length == 2) parameters.Add(new(kv[0].ToLowerInvariant(), kv[1].Trim('"')));
            }
            ranked.Add((new AcceptedMedia(parts[0].ToLowerInvariant(), text, parameters), q, specificity, index++));
        }
        if (ranked.Count == 0) return Any;
        return ranked.OrderByDescending(r => r.Q).ThenByDescending(r => r.Specificity).ThenBy(r => r.Index).Select(r => r.Media).ToList();
    }

    /// <summary>PGRST107's list: the ranges in preference order, comma separated.</summary>
    public static string Describe(IReadOnlyList<AcceptedMedia> accepted) => string.Join(", ", accepted.Select(a => a.Text));
}
