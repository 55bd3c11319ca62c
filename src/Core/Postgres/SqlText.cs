namespace Supacs.Core.Postgres;

/// <summary>Small helpers over SQL source text: statement splitting and error positions.</summary>
public static class SqlText
{
    /// <summary>1-based line of a 0-based offset in a script.</summary>
    public static int LineAtOffset(string sql, int offset) => LineOf(sql, offset + 1);

    /// <summary>1-based line of a 1-based character position as PostgreSQL reports it (0 when unknown).</summary>
    public static int LineOf(string sql, int position)
    {
        if (position <= 0) return 0;
        var line = 1;
        for (var i = 0; i < Math.Min(position - 1, sql.Length); i++)
            if (sql[i] == '\n') line++;
        return line;
    }

    /// <summary>
    /// Splits a script into statements on top-level semicolons, honouring quotes, quoted identifiers,
    /// dollar quotes, and line and block comments — as the Supabase CLI records them.
    /// </summary>
    public static IReadOnlyList<string> SplitStatements(string sql) => SplitWithOffsets(sql).Select(s => s.Text).ToList();

    /// <summary>As <see cref="SplitStatements"/>, with each statement's 0-based start offset in the script.</summary>
    public static IReadOnlyList<(string Text, int Offset)> SplitWithOffsets(string sql)
    {
        var statements = new List<(string Text, int Offset)>();
        var start = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\'' || c == '"')
            {
                i = SkipQuoted(sql, i, c);
            }
            else if (c == '-' && Peek(sql, i + 1) == '-')
            {
                var nl = sql.IndexOf('\n', i);
                i = nl < 0 ? sql.Length : nl + 1;
            }
            else if (c == '/' && Peek(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '$' && TryDollarTag(sql, i, out var tag))
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (c == ';')
            {
                Add(statements, sql, start, i);
                start = ++i;
            }
            else
            {
                i++;
            }
        }
        Add(statements, sql, start, sql.Length);
        return statements;
    }

    private static void Add(List<(string, int)> list, string sql, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(sql[start])) start++;
        while (end > start && char.IsWhiteSpace(sql[end - 1])) end--;
        var text = sql[start..end];
        if (text.Length > 0 && !IsOnlyComments(text)) list.Add((text, start));
    }

    private static bool IsOnlyComments(string s)
    {
        foreach (var line in s.Split('\n'))
        {
            var t = line.Trim();
            if (t.Length > 0 && !t.StartsWith("--", StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static int SkipQuoted(string s, int i, char quote)
    {
        i++;
        while (i < s.Length)
        {
            if (s[i] == quote)
            {
                if (Peek(s, i + 1) == quote) { i += 2; continue; }
                return i + 1;
            }
            i++;
        }
        return s.Length;
    }

    private static int SkipBlockComment(string s, int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            if (s[i] == '/' && Peek(s, i + 1) == '*') { depth++; i += 2; }
            else if (s[i] == '*' && Peek(s, i + 1) == '/') { depth--; i += 2; if (depth == 0) return i; }
            else i++;
        }
        return s.Length;
    }

    private static bool TryDollarTag(string s, int i, out string tag)
    {
        tag = "";
        // A dollar quote is $$ or $name$ where name is an identifier not starting with a digit.
        if (i > 0 && (char.IsLetterOrDigit(s[i - 1]) || s[i - 1] == '_')) return false;
        var j = i + 1;
        while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_')) j++;
        if (j >= s.Length || s[j] != '$') return false;
        if (j > i + 1 && char.IsDigit(s[i + 1])) return false;
        tag = s[i..(j + 1)];
        return true;
    }
}
