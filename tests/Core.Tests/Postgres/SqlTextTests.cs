using Supacs.Core.Postgres;

namespace Supacs.Core.Tests.Postgres;

public sealed class SqlTextTests
{
    [Fact]
    public void Splits_on_top_level_semicolons_only()
    {
        const string sql = """
            -- a comment; with a semicolon
            create table t (a text default 'x;y');
            create function f() returns int language plpgsql as $$ begin return 1; end; $$;
            create function g() returns text language sql as $body$ select ';' $body$;
            /* block; comment */ select "weird;name" from t;
            select 1
            """;
        var statements = SqlText.SplitStatements(sql);
        Assert.Equal(5, statements.Count);
        Assert.StartsWith("-- a comment; with a semicolon\ncreate table t", statements[0].ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.EndsWith("end; $$", statements[1], StringComparison.Ordinal);
        Assert.EndsWith("$body$", statements[2], StringComparison.Ordinal);
        Assert.Equal("select 1", statements[4]);
    }

    [Fact]
    public void Offsets_point_at_each_statement()
    {
        const string sql = "select 1;\n\n  select 2;";
        var parts = SqlText.SplitWithOffsets(sql);
        Assert.Equal(2, parts.Count);
        Assert.Equal(("select 2", 13), parts[1]);
        Assert.Equal(3, SqlText.LineAtOffset(sql, parts[1].Offset));
    }

    [Fact]
    public void Positional_parameters_are_not_dollar_quotes() =>
        Assert.Equal(2, SqlText.SplitStatements("select $1; select 2").Count);
}

public sealed class PostgresUrlTests
{
    [Fact]
    public void Parses_a_postgresql_url()
    {
        var b = PostgresUrl.Parse("postgresql://postgres:p%40ss@db.example:6543/app?sslmode=require");
        Assert.Equal("db.example", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("postgres", b.Username);
        Assert.Equal("p@ss", b.Password);
        Assert.Equal("app", b.Database);
        Assert.Equal(Npgsql.SslMode.Require, b.SslMode);
        Assert.Equal("postgresql://postgres:***@db.example:6543/app", PostgresUrl.Redact(b));
    }

    [Fact]
    public void Accepts_a_connection_string_too() =>
        Assert.Equal("h", PostgresUrl.Parse("Host=h;Username=u").Host);
}
