using Supacs.Rest.Query;

namespace Supacs.Rest.Tests.Query;

/// <summary>The query-string grammar without a database.</summary>
public sealed class QueryParserTests
{
    private static ApiQuery Parse(params (string Key, string Value)[] pairs) =>
        QueryParser.Parse(pairs.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));

    private static FilterCondition Filter(string key, string value) => Assert.IsType<FilterCondition>(QueryParser.ParseFilter(key, value));

    [Fact]
    public void Select_fields_aliases_casts_and_json_paths()
    {
        var items = QueryParser.ParseSelect("id, nom:name,age::text,data->a->>b,x:data->0");
        Assert.Equal(5, items.Count);
        var alias = Assert.IsType<FieldItem>(items[1]);
        Assert.Equal(("nom", "name"), (alias.Alias, alias.Field.Name));
        Assert.Equal("text", Assert.IsType<FieldItem>(items[2]).Cast);
        var path = Assert.IsType<FieldItem>(items[3]).Field;
        Assert.Equal("data", path.Name);
        Assert.Equal([new JsonPathStep(false, "a"), new JsonPathStep(true, "b")], path.Path);
        Assert.Equal("b", path.DefaultAlias);
        Assert.Equal("0", Assert.IsType<FieldItem>(items[4]).Field.Path[0].Key);
    }

    [Fact]
    public void Select_embeds_with_hints_joins_spreads_and_nesting()
    {
        var items = QueryParser.ParseSelect("*,author:users!posts_author_fkey!inner(name,profiles(*)),...tags!left(name),comments()");
        Assert.IsType<StarItem>(items[0]);
        var author = Assert.IsType<EmbedItem>(items[1]);
        Assert.Equal(("users", "author", "posts_author_fkey", JoinKind.Inner, false), (author.Relation, author.Alias, author.Hint, author.Join, author.Spread));
        Assert.IsType<EmbedItem>(author.Select[1]);
        var spread = Assert.IsType<EmbedItem>(items[2]);
        Assert.True(spread.Spread);
        Assert.Equal(JoinKind.Left, spread.Join);
        Assert.Empty(Assert.IsType<EmbedItem>(items[3]).Select);
    }

    [Fact]
    public void Select_quoted_names_and_aggregates()
    {
        var items = QueryParser.ParseSelect("\"a,b\",\"x y\":c,amount.sum(),count(),total:amount::int.avg()::text");
        Assert.Equal("a,b", Assert.IsType<FieldItem>(items[0]).Field.Name);
        Assert.Equal("x y", Assert.IsType<FieldItem>(items[1]).Alias);
        Assert.Equal("sum", Assert.IsType<FieldItem>(items[2]).Aggregate);
        Assert.Equal("count", Assert.IsType<FieldItem>(items[3]).Aggregate);
        var avg = Assert.IsType<FieldItem>(items[4]);
        Assert.Equal(("avg", "int", "text"), (avg.Aggregate, avg.Cast, avg.AggregateCast));
    }

    [Theory]
    [InlineData("id,")]
    [InlineData("a(")]
    [InlineData("a(b")]
    [InlineData("a)")]
    [InlineData(",")]
    [InlineData("a::")]
    [InlineData("\"unterminated")]
    [InlineData("a->")]
    [InlineData("x:...y(z)")]
    public void Bad_select_is_PGRST100(string select)
    {
        var e = Assert.Throws<RestException>(() => QueryParser.ParseSelect(select));
        Assert.Equal("PGRST100", e.Code);
        Assert.Equal(400, e.Status);
        Assert.StartsWith("\"failed to parse select parameter (" + select + ")\"", e.Message);
    }

    [Theory]
    [InlineData("eq.5", "Eq", "5")]
    [InlineData("neq.a.b", "Neq", "a.b")]
    [InlineData("gt.1", "Gt", "1")]
    [InlineData("gte.1", "Gte", "1")]
    [InlineData("lt.1", "Lt", "1")]
    [InlineData("lte.1", "Lte", "1")]
    [InlineData("like.*a*", "Like", "*a*")]
    [InlineData("ilike.A*", "Ilike", "A*")]
    [InlineData("match.^a", "Match", "^a")]
    [InlineData("imatch.^a", "Imatch", "^a")]
    [InlineData("isdistinct.x", "IsDistinct", "x")]
    [InlineData("cs.{1,2}", "Cs", "{1,2}")]
    [InlineData("cd.{1}", "Cd", "{1}")]
    [InlineData("ov.[1,2)", "Ov", "[1,2)")]
    [InlineData("sl.[1,2)", "Sl", "[1,2)")]
    [InlineData("sr.[1,2)", "Sr", "[1,2)")]
    [InlineData("nxr.[1,2)", "Nxr", "[1,2)")]
    [InlineData("nxl.[1,2)", "Nxl", "[1,2)")]
    [InlineData("adj.[1,2)", "Adj", "[1,2)")]
    [InlineData("fts.cat", "Fts", "cat")]
    [InlineData("plfts.cat dog", "Plfts", "cat dog")]
    [InlineData("phfts.cat dog", "Phfts", "cat dog")]
    [InlineData("wfts.cat -dog", "Wfts", "cat -dog")]
    [InlineData("eq.", "Eq", "")]
    public void Every_operator_parses(string value, string op, string operand)
    {
        var f = Filter("col", value);
        Assert.Equal((Enum.Parse<FilterOp>(op), operand, false), (f.Op, f.Value, f.Negated));
    }

    [Fact]
    public void Not_any_all_language_in_and_is()
    {
        var f = Filter("col", "not.like(any).{a*,\"b,c\"}");
        Assert.True(f.Negated);
        Assert.Equal(Quantifier.Any, f.Quantifier);
        Assert.Equal(["a*", "b,c"], f.List);
        Assert.Equal("french", Filter("col", "fts(french).chat").Language);
        Assert.Equal(["1", "a,b", "q\"x", ""], Filter("col", "in.(1,\"a,b\",\"q\\\"x\",)").List);
        Assert.Empty(Filter("col", "in.()").List!);
        Assert.Equal("null", Filter("col", "is.NULL").Value);
        Assert.Equal("not_null", Filter("col", "is.not_null").Value);
        Assert.Equal(Quantifier.All, Filter("col", "gt(all).{1,2}").Quantifier);
    }

    [Theory]
    [InlineData("nope.1")]
    [InlineData("eq")]
    [InlineData("is.maybe")]
    [InlineData("in.1,2")]
    [InlineData("like(some).{a}")]
    [InlineData("cs(any).{a}")]
    [InlineData("fts(fr-ench).x")]
    [InlineData("in.(\"unterminated)")]
    public void Bad_filters_are_PGRST100(string value)
    {
        var e = Assert.Throws<RestException>(() => QueryParser.ParseFilter("col", value));
        Assert.Equal("PGRST100", e.Code);
    }

    [Fact]
    public void Json_path_filter_keys()
    {
        var f = Filter("data->a->>b", "eq.1");
        Assert.Equal("data", f.Field.Name);
        Assert.Equal(2, f.Field.Path.Count);
        Assert.True(f.Field.Path[1].AsText);
    }

    [Fact]
    public void Logic_trees_nest_and_negate()
    {
        var q = Parse(("or", "(a.eq.1,not.and(b.gte.1,b.lte.2),c.in.(1,2),d.eq.\"x,y\",data->>k.eq.v)"));
        var or = Assert.IsType<LogicCondition>(Assert.Single(q.Top.Conditions));
        Assert.True(or.IsOr);
        Assert.Equal(5, or.Children.Count);
        var and = Assert.IsType<LogicCondition>(or.Children[1]);
        Assert.True(and.Negated);
        Assert.False(and.IsOr);
        Assert.Equal(["1", "2"], Assert.IsType<FilterCondition>(or.Children[2]).List);
        Assert.Equal("x,y", Assert.IsType<FilterCondition>(or.Children[3]).Value);
        Assert.Equal("k", Assert.IsType<FilterCondition>(or.Children[4]).Field.Path[0].Key);

        var negated = Assert.IsType<LogicCondition>(Assert.Single(Parse(("not.or", "(a.eq.1,b.eq.2)")).Top.Conditions));
        Assert.True(negated.Negated);
        var embedded = Parse(("posts.or", "(a.eq.1,b.eq.2)"));
        Assert.IsType<LogicCondition>(Assert.Single(embedded.Level("posts").Conditions));
        var embedNull = Assert.IsType<FilterCondition>(Assert.IsType<LogicCondition>(Parse(("or", "(posts.is.null,a.eq.1)")).Top.Conditions[0]).Children[0]);
        Assert.Equal(("posts", FilterOp.Is), (embedNull.Field.Name, embedNull.Op));
    }

    [Theory]
    [InlineData("a.eq.1")]
    [InlineData("(a.eq.1")]
    [InlineData("(a.zz.1)")]
    [InlineData("(a)")]
    [InlineData("(,)")]
    public void Bad_logic_trees_are_PGRST100(string value)
    {
        var e = Assert.Throws<RestException>(() => Parse(("or", value)));
        Assert.Equal("PGRST100", e.Code);
    }

    [Fact]
    public void Order_terms()
    {
        var terms = QueryParser.ParseOrder("a.desc.nullslast,b,data->>x.asc.nullsfirst,users(name).desc");
        Assert.Equal(4, terms.Count);
        Assert.Equal((true, (bool?)false), (terms[0].Descending, terms[0].NullsFirst));
        Assert.Equal((false, (bool?)null), (terms[1].Descending, terms[1].NullsFirst));
        Assert.Equal("x", terms[2].Field.Path[0].Key);
        Assert.Equal(("users", "name", true), (terms[3].Relation, terms[3].Field.Name, terms[3].Descending));
        Assert.Equal("PGRST100", Assert.Throws<RestException>(() => QueryParser.ParseOrder("a.sideways")).Code);
    }

    [Fact]
    public void Embedded_modifiers_go_to_their_level()
    {
        var q = Parse(("select", "*,posts(*,comments(*))"), ("posts.order", "id.desc"), ("posts.limit", "2"), ("posts.offset", "1"),
            ("posts.comments.body", "eq.x"), ("limit", "5"), ("offset", "3"), ("name", "eq.a"));
        Assert.Equal(2, q.Level("posts").Limit);
        Assert.Equal(1, q.Level("posts").Offset);
        Assert.True(q.Level("posts").Order![0].Descending);
        Assert.Equal("body", Assert.IsType<FilterCondition>(q.Level("posts.comments").Conditions[0]).Field.Name);
        Assert.Equal((5L, 3L), (q.Top.Limit!.Value, q.Top.Offset!.Value));
        Assert.Single(q.Top.Conditions);
    }

    [Fact]
    public void Columns_on_conflict_and_bad_limit()
    {
        var q = Parse(("columns", "\"a\",\"b c\""), ("on_conflict", "x,y"));
        Assert.Equal(["a", "b c"], q.Columns);
        Assert.Equal(["x", "y"], q.OnConflict);
        Assert.Equal("PGRST100", Assert.Throws<RestException>(() => Parse(("limit", "abc"))).Code);
        Assert.Equal("PGRST100", Assert.Throws<RestException>(() => Parse(("offset", "-1"))).Code);
    }

    [Fact]
    public void Rpc_get_arguments_are_operator_less_keys()
    {
        var q = QueryParser.Parse([new("a", "1"), new("b", "x.y"), new("c", "eq.3"), new("nums", "1"), new("nums", "2")], isRpcRead: true);
        Assert.Equal(["a", "b", "nums", "nums"], q.RpcArgs.Select(a => a.Key));
        Assert.Equal("c", Assert.IsType<FilterCondition>(Assert.Single(q.Top.Conditions)).Field.Name);
    }
}
