using System.Globalization;
using System.Text;

namespace Supacs.Rest.Query;

/// <summary>
/// Parses PostgREST's query-string grammar (select, filters, logic trees, order, limit/offset) into an
/// <see cref="ApiQuery"/>. Pure: knows nothing of the database; errors are PGRST100.
/// </summary>
internal static class QueryParser
{
    private static readonly Dictionary<string, FilterOp> Operators = new(StringComparer.Ordinal)
    {
        ["eq"] = FilterOp.Eq, ["neq"] = FilterOp.Neq, ["gt"] = FilterOp.Gt, ["gte"] = FilterOp.Gte,
        ["lt"] = FilterOp.Lt, ["lte"] = FilterOp.Lte, ["like"] = FilterOp.Like, ["ilike"] = FilterOp.Ilike,
        ["match"] = FilterOp.Match, ["imatch"] = FilterOp.Imatch, ["in"] = FilterOp.In, ["is"] = FilterOp.Is,
        ["isdistinct"] = FilterOp.IsDistinct, ["fts"] = FilterOp.Fts, ["plfts"] = FilterOp.Plfts,
        ["phfts"] = FilterOp.Phfts, ["wfts"] = FilterOp.Wfts, ["cs"] = FilterOp.Cs, ["cd"] = FilterOp.Cd,
        ["ov"] = FilterOp.Ov, ["sl"] = FilterOp.Sl, ["sr"] = FilterOp.Sr, ["nxr"] = FilterOp.Nxr,
        ["nxl"] = FilterOp.Nxl, ["adj"] = FilterOp.Adj,
    };

    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal) { "sum", "avg", "min", "max", "count" };

    public static bool IsOperator(string name) => Operators.ContainsKey(name);

    /// <summary>Parses a whole query string (already split into decoded key/value pairs).</summary>
    /// <param name="isRpcRead">On RPC GET, a key whose value has no operator is a function argument.</param>
    public static ApiQuery Parse(IEnumerable<KeyValuePair<string, string>> pairs, bool isRpcRead = false)
    {
        var q = new ApiQuery();
        foreach (var (key, value) in pairs)
        {
            switch (key)
            {
                case "select":
                    q.Select = ParseSelect(value);
                    q.HasSelect = true;
                    continue;
                case "columns":
                    q.Columns = ParseNameList("columns", value);
                    continue;
                case "on_conflict":
                    q.OnConflict = ParseNameList("on_conflict", value);
                    continue;
            }
            var (path, last, negated) = SplitKey(key);
            var level = q.Level(path);
            switch (last)
            {
                case "order" when !negated:
                    level.Order = ParseOrder(value);
                    continue;
                case "limit" when !negated:
                    level.Limit = ParseCount("limit", value);
                    continue;
                case "offset" when !negated:
                    level.Offset = ParseCount("offset", value);
                    continue;
                case "or" or "and":
                    level.Conditions.Add(ParseLogicValue(last == "or", negated, value));
                    continue;
            }
            if (isRpcRead && path.Length == 0 && !LooksLikeOperator(value))
            {
                q.RpcArgs.Add(new(key, value));
                continue;
            }
            var keyText = negated ? "not." + last : last;
            level.Conditions.Add(ParseFilter(keyText, value));
        }
        return q;
    }

    /// <summary>Splits <c>a.b.col</c> into the embed path "a.b" and "col"; JSON arrows end the path part.</summary>
    private static (string Path, string Last, bool Negated) SplitKey(string key)
    {
        var arrow = key.IndexOf("->", StringComparison.Ordinal);
        var head = arrow < 0 ? key : key[..arrow];
        var tail = arrow < 0 ? "" : key[arrow..];
        var parts = SplitTopLevel(head, '.');
        if (parts.Count == 1) return ("", key, false);
        var last = parts[^1] + tail;
        var negated = false;
        var pathParts = parts.Take(parts.Count - 1).ToList();
        if (pathParts.Count > 0 && pathParts[^1] == "not" && (last == "or" || last == "and"))
        {
            negated = true;
            pathParts.RemoveAt(pathParts.Count - 1);
        }
        return (string.Join('.', pathParts.Select(Unquote)), last, negated);
    }

    private static bool LooksLikeOperator(string value)
    {
        var v = value.StartsWith("not.", StringComparison.Ordinal) ? value[4..] : value;
        var end = 0;
        while (end < v.Length && char.IsAsciiLetterLower(v[end])) end++;
        if (end == 0 || !Operators.ContainsKey(v[..end])) return false;
        return end < v.Length && (v[end] == '.' || v[end] == '(');
    }

    private static long ParseCount(string name, string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw RestException.Parse(name, value, 1, $"unexpected \"{(value.Length > 0 ? value[0] : ' ')}\" expecting digit");
    }

    private static List<string> ParseNameList(string parameter, string value)
    {
        var names = new List<string>();
        foreach (var part in SplitTopLevel(value, ','))
        {
            var name = Unquote(part.Trim());
            if (name.Length == 0) throw RestException.Parse(parameter, value, 1, "unexpected end of input expecting field name");
            names.Add(name);
        }
        return names;
    }

    // ---------------------------------------------------------------- select

    public static IReadOnlyList<SelectItem> ParseSelect(string value)
    {
        var reader = new Reader(value, "select");
        var items = reader.ParseSelectList(topLevel: true);
        reader.SkipSpaces();
        if (!reader.AtEnd) throw reader.Error($"unexpected \"{reader.Peek}\" expecting end of input");
        return items;
    }

    // ---------------------------------------------------------------- order

    public static List<OrderTerm> ParseOrder(string value)
    {
        var terms = new List<OrderTerm>();
        foreach (var raw in SplitTopLevel(value, ','))
        {
            var reader = new Reader(raw.Trim(), "order");
            if (reader.AtEnd) throw RestException.Parse("order", value, 1, "unexpected end of input expecting field name");
            var first = reader.ParseName();
            string? relation = null;
            Field field;
            if (reader.TryConsume('('))
            {
                relation = first;
                field = reader.ParseFieldAfterName(reader.ParseName());
                if (!reader.TryConsume(')')) throw reader.Error("expecting \")\"");
            }
            else
            {
                field = reader.ParseFieldAfterName(first);
            }
            bool desc = false;
            bool? nullsFirst = null;
            while (reader.TryConsume('.'))
            {
                var word = reader.ParseName();
                switch (word)
                {
                    case "asc": desc = false; break;
                    case "desc": desc = true; break;
                    case "nullsfirst": nullsFirst = true; break;
                    case "nullslast": nullsFirst = false; break;
                    default: throw reader.Error($"unexpected \"{word}\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
                }
            }
            if (!reader.AtEnd) throw reader.Error($"unexpected \"{reader.Peek}\" expecting \".\" or \",\"");
            terms.Add(new OrderTerm(field, relation, desc, nullsFirst));
        }
        return terms;
    }

    // ---------------------------------------------------------------- filters

    /// <summary>A filter from the query string: the key is the field, the value <c>[not.]op.value</c>.</summary>
    public static Condition ParseFilter(string key, string value)
    {
        var fieldReader = new Reader(key, "filter");
        var name = fieldReader.ParseName();
        var field = fieldReader.ParseFieldAfterName(name);
        if (!fieldReader.AtEnd) throw RestException.ParseFilter(key, fieldReader.Position + 1, $"unexpected \"{fieldReader.Peek}\" expecting field name");
        return ParseOperation(field, value, value, logic: false);
    }

    private static FilterCondition ParseOperation(Field field, string text, string whole, bool logic)
    {
        var negated = false;
        var rest = text;
        while (rest.StartsWith("not.", StringComparison.Ordinal))
        {
            negated = !negated;
            rest = rest[4..];
        }
        var end = 0;
        while (end < rest.Length && char.IsAsciiLetterLower(rest[end])) end++;
        var opName = rest[..end];
        if (!Operators.TryGetValue(opName, out var op))
            throw Fail(logic, whole, text.Length - rest.Length + 1, $"unexpected \"{(rest.Length > 0 ? rest[0] : ' ')}\" expecting operator (eq, gt, ...)");
        rest = rest[end..];
        var quantifier = Quantifier.None;
        string? language = null;
        if (rest.StartsWith('('))
        {
            var close = rest.IndexOf(')', StringComparison.Ordinal);
            if (close < 0) throw Fail(logic, whole, text.Length - rest.Length + 1, "expecting \")\"");
            var inner = rest[1..close];
            rest = rest[(close + 1)..];
            if (op is FilterOp.Fts or FilterOp.Plfts or FilterOp.Phfts or FilterOp.Wfts)
            {
                if (inner.Length == 0 || !inner.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    throw Fail(logic, whole, 1, "invalid full-text search language");
                language = inner;
            }
            else if (inner is "any" or "all" && op is FilterOp.Eq or FilterOp.Neq or FilterOp.Gt or FilterOp.Gte or FilterOp.Lt or FilterOp.Lte
                     or FilterOp.Like or FilterOp.Ilike or FilterOp.Match or FilterOp.Imatch)
            {
                quantifier = inner == "any" ? Quantifier.Any : Quantifier.All;
            }
            else
            {
                throw Fail(logic, whole, text.Length - rest.Length, $"unexpected \"(\" expecting \".\"");
            }
        }
        if (!rest.StartsWith('.')) throw Fail(logic, whole, text.Length - rest.Length + 1, "unexpected end of input expecting \".\"");
        var value = rest[1..];
        if (logic) value = UnquoteValue(value);
        IReadOnlyList<string>? list = null;
        switch (op)
        {
            case FilterOp.In:
                list = ParseList(value, '(', ')', whole, logic);
                break;
            case FilterOp.Is:
                var lower = value.ToLowerInvariant();
                if (lower is not ("null" or "true" or "false" or "unknown" or "not_null"))
                    throw Fail(logic, whole, text.Length - value.Length + 1, $"unexpected \"{(value.Length > 0 ? value[0] : ' ')}\" expecting null or trilean value (unknown, true, false)");
                value = lower;
                break;
        }
        if (quantifier != Quantifier.None) list = ParseList(value, '{', '}', whole, logic);
        return new FilterCondition(field, negated, op, quantifier, language, value, list);
    }

    private static RestException Fail(bool logic, string whole, int column, string details) =>
        logic ? RestException.ParseLogic(whole, column, details) : RestException.ParseFilter(whole, column, details);

    /// <summary><c>(a,"b,c",d)</c> → items; quoted items take <c>\"</c> and <c>\\</c> escapes.</summary>
    private static List<string> ParseList(string value, char open, char close, string whole, bool logic)
    {
        if (value.Length < 2 || value[0] != open || value[^1] != close)
            throw Fail(logic, whole, 1, $"unexpected \"{(value.Length > 0 ? value[0] : ' ')}\" expecting \"{open}\"");
        var body = value[1..^1];
        var items = new List<string>();
        if (body.Length == 0) return items;
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < body.Length && body[i] == '"')
            {
                i++;
                while (i < body.Length && body[i] != '"')
                {
                    if (body[i] == '\\' && i + 1 < body.Length) i++;
                    sb.Append(body[i++]);
                }
                if (i >= body.Length) throw Fail(logic, whole, 1, "unexpected end of input expecting '\"'");
                i++;
                while (i < body.Length && body[i] != ',') i++;
            }
            else
            {
                while (i < body.Length && body[i] != ',') sb.Append(body[i++]);
            }
            items.Add(sb.ToString());
            if (i >= body.Length) break;
            i++;
        }
        return items;
    }

    /// <summary>The value of <c>or=</c>/<c>and=</c>: <c>(cond,cond,...)</c>.</summary>
    public static LogicCondition ParseLogicValue(bool isOr, bool negated, string value)
    {
        var v = value.Trim();
        if (v.Length < 2 || v[0] != '(' || v[^1] != ')')
            throw RestException.ParseLogic(value, 1, $"unexpected \"{(v.Length > 0 ? v[0] : ' ')}\" expecting \"(\"");
        return new LogicCondition(isOr, negated, ParseLogicItems(v[1..^1], value));
    }

    private static List<Condition> ParseLogicItems(string body, string whole)
    {
        var items = new List<Condition>();
        foreach (var raw in SplitTopLevel(body, ','))
        {
            var item = raw.Trim();
            if (item.Length == 0) throw RestException.ParseLogic(whole, 1, "unexpected \",\" expecting logic operator or filter");
            var negated = false;
            var rest = item;
            if (rest.StartsWith("not.", StringComparison.Ordinal) && (rest[4..].StartsWith("or(", StringComparison.Ordinal) || rest[4..].StartsWith("and(", StringComparison.Ordinal)))
            {
                negated = true;
                rest = rest[4..];
            }
            if ((rest.StartsWith("or(", StringComparison.Ordinal) || rest.StartsWith("and(", StringComparison.Ordinal)) && rest.EndsWith(')'))
            {
                var isOr = rest[0] == 'o';
                var inner = rest[(isOr ? 3 : 4)..^1];
                items.Add(new LogicCondition(isOr, negated, ParseLogicItems(inner, whole)));
                continue;
            }
            items.Add(ParseLogicFilter(item, whole));
        }
        return items;
    }

    /// <summary><c>field.[not.]op.value</c> inside a logic tree; the field may be <c>emb.col</c> or a JSON path.</summary>
    private static Condition ParseLogicFilter(string item, string whole)
    {
        var reader = new Reader(item, "logic tree");
        var names = new List<string> { reader.ParseName() };
        Field? field = null;
        while (true)
        {
            if (reader.LookingAt("->"))
            {
                field = reader.ParseFieldAfterName(names[^1]);
                names.RemoveAt(names.Count - 1);
                if (!reader.TryConsume('.')) throw RestException.ParseLogic(whole, reader.Position + 1, "expecting \".\"");
                break;
            }
            if (!reader.TryConsume('.')) throw RestException.ParseLogic(whole, reader.Position + 1, "unexpected end of input expecting \".\"");
            var save = reader.Position;
            var next = reader.PeekWord();
            if (next == "not" || (Operators.ContainsKey(next) && (reader.CharAfterWord(next) is '.' or '(')))
            {
                reader.Position = save;
                field = Field.Of(names[^1]);
                names.RemoveAt(names.Count - 1);
                break;
            }
            names.Add(reader.ParseName());
        }
        var opText = item[reader.Position..];
        var condition = ParseOperation(field, opText, whole, logic: true);
        if (names.Count == 0) return condition;
        // `emb.is.null` inside or=(): the "field" is the embed itself.
        return new EmbeddedCondition(string.Join('.', names), condition);
    }

    private static string UnquoteValue(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var sb = new StringBuilder();
            for (var i = 1; i < value.Length - 1; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length - 1) i++;
                sb.Append(value[i]);
            }
            return sb.ToString();
        }
        return value;
    }

    private static string Unquote(string name) =>
        name.Length >= 2 && name[0] == '"' && name[^1] == '"' ? name[1..^1] : name;

    /// <summary>Splits on a separator outside double quotes, parentheses and braces.</summary>
    public static List<string> SplitTopLevel(string s, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case '(' or '{' or '[': depth++; break;
                case ')' or '}' or ']': depth--; break;
                default:
                    if (c == separator && depth == 0)
                    {
                        parts.Add(s[start..i]);
                        start = i + 1;
                    }
                    break;
            }
        }
        parts.Add(s[start..]);
        return parts;
    }

    /// <summary>Character-level reader for the select and order grammars.</summary>
    private sealed class Reader(string text, string parameter)
    {
        public int Position { get; set; }
        public bool AtEnd => Position >= text.Length;
        public char Peek => Position < text.Length ? text[Position] : '\0';

        public RestException Error(string details) =>
            parameter == "logic tree" ? RestException.ParseLogic(text, Position + 1, details)
            : parameter == "filter" ? RestException.ParseFilter(text, Position + 1, details)
            : RestException.Parse(parameter, text, Position + 1, details);

        public void SkipSpaces()
        {
            while (Position < text.Length && char.IsWhiteSpace(text[Position])) Position++;
        }

        public bool TryConsume(char c)
        {
            if (Position < text.Length && text[Position] == c)
            {
                Position++;
                return true;
            }
            return false;
        }

        public bool LookingAt(string s) => string.CompareOrdinal(text, Position, s, 0, s.Length) == 0;

        public string PeekWord()
        {
            var end = Position;
            while (end < text.Length && char.IsAsciiLetterLower(text[end])) end++;
            return text[Position..end];
        }

        public char CharAfterWord(string word) => Position + word.Length < text.Length ? text[Position + word.Length] : '\0';

        private static bool IsNameChar(char c) =>
            char.IsLetterOrDigit(c) || c == '_' || c == '$' || c == ' ' || c > 127 && !char.IsWhiteSpace(c);

        /// <summary>A plain name (letters, digits, _, $, inner spaces) or a double-quoted one.</summary>
        public string ParseName()
        {
            SkipSpaces();
            if (TryConsume('"'))
            {
                var sb = new StringBuilder();
                while (Position < text.Length && text[Position] != '"')
                {
                    if (text[Position] == '\\' && Position + 1 < text.Length) Position++;
                    sb.Append(text[Position++]);
                }
                if (!TryConsume('"')) throw Error("unexpected end of input expecting '\"'");
                return sb.ToString();
            }
            var start = Position;
            while (Position < text.Length && IsNameChar(text[Position])) Position++;
            var name = text[start..Position].Trim();
            if (name.Length == 0)
                throw Error(AtEnd ? "unexpected end of input expecting field name (* or [a..z0..9_$])" : $"unexpected \"{Peek}\" expecting field name (* or [a..z0..9_$])");
            return name;
        }

        /// <summary>JSON path steps after a column name: <c>->key</c>, <c>->>key</c>, <c>->0</c>.</summary>
        public Field ParseFieldAfterName(string name)
        {
            var steps = new List<JsonPathStep>();
            while (LookingAt("->"))
            {
                Position += 2;
                var asText = TryConsume('>');
                string key;
                if (Peek == '-' || char.IsAsciiDigit(Peek))
                {
                    var start = Position;
                    Position++;
                    while (Position < text.Length && char.IsAsciiDigit(text[Position])) Position++;
                    key = text[start..Position];
                    if (key == "-") throw Error("expecting digit");
                }
                else
                {
                    key = ParseName();
                }
                steps.Add(new JsonPathStep(asText, key));
            }
            return new Field(name, steps);
        }

        public List<SelectItem> ParseSelectList(bool topLevel)
        {
            var items = new List<SelectItem>();
            SkipSpaces();
            if (!topLevel && Peek == ')') return items;
            if (topLevel && AtEnd) return items;
            while (true)
            {
                items.Add(ParseSelectItem());
                SkipSpaces();
                if (!TryConsume(',')) break;
            }
            return items;
        }

        private SelectItem ParseSelectItem()
        {
            SkipSpaces();
            if (TryConsume('*')) return new StarItem();
            if (LookingAt("..."))
            {
                Position += 3;
                var rel = ParseName();
                var (hint, join) = ParseHints();
                return ParseEmbedBody(rel, null, hint, join, spread: true);
            }
            var first = ParseName();
            string? alias = null;
            SkipSpaces();
            if (Peek == ':' && !LookingAt("::"))
            {
                Position++;
                alias = first;
                SkipSpaces();
                if (LookingAt("..."))
                    throw Error("unexpected \".\" expecting field name");
                first = ParseName();
                SkipSpaces();
            }
            if (Peek == '(' && first == "count" && text.Length > Position + 1 && text[Position + 1] == ')')
            {
                Position += 2;
                var aggCast = ParseCast();
                return new FieldItem(Field.Of("*"), alias, null, "count", aggCast);
            }
            if (Peek is '!' or '(')
            {
                var (hint, join) = ParseHints();
                return ParseEmbedBody(first, alias, hint, join, spread: false);
            }
            var field = ParseFieldAfterName(first);
            var cast = ParseCast();
            string? aggregate = null;
            string? aggregateCast = null;
            if (Peek == '.')
            {
                var save = Position;
                Position++;
                var word = PeekWord();
                if (Aggregates.Contains(word) && LookingAt(word + "()"))
                {
                    Position += word.Length + 2;
                    aggregate = word;
                    aggregateCast = ParseCast();
                }
                else
                {
                    Position = save;
                }
            }
            return new FieldItem(field, alias, cast, aggregate, aggregateCast);
        }

        private string? ParseCast()
        {
            SkipSpaces();
            if (!LookingAt("::")) return null;
            Position += 2;
            var start = Position;
            while (Position < text.Length && (char.IsAsciiLetterOrDigit(text[Position]) || text[Position] is '_' or ' ')) Position++;
            if (LookingAt("[]")) Position += 2;
            var cast = text[start..Position].Trim();
            if (cast.Length == 0) throw Error("unexpected end of input expecting cast type");
            return cast;
        }

        private (string? Hint, JoinKind Join) ParseHints()
        {
            string? hint = null;
            var join = JoinKind.Default;
            while (TryConsume('!'))
            {
                var word = ParseName();
                if (word == "inner") join = JoinKind.Inner;
                else if (word == "left") join = JoinKind.Left;
                else hint = word;
            }
            SkipSpaces();
            return (hint, join);
        }

        private EmbedItem ParseEmbedBody(string relation, string? alias, string? hint, JoinKind join, bool spread)
        {
            if (!TryConsume('(')) throw Error(AtEnd ? "unexpected end of input expecting \"(\"" : $"unexpected \"{Peek}\" expecting \"(\"");
            var inner = ParseSelectList(topLevel: false);
            SkipSpaces();
            if (!TryConsume(')')) throw Error(AtEnd ? "unexpected end of input expecting \")\"" : $"unexpected \"{Peek}\" expecting \",\" or \")\"");
            return new EmbedItem(relation, alias, hint, join, spread, inner);
        }
    }
}

/// <summary>A condition written on an embed inside a logic tree (<c>or=(emb.is.null,...)</c>).</summary>
internal sealed record EmbeddedCondition(string EmbedPath, Condition Inner) : Condition;
