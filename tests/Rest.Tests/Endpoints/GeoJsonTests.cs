using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// The blog fixture plus PostGIS in the <c>extensions</c> schema (as Supabase installs it) and an RLS-protected
/// table with a geometry column.
/// </summary>
public class GeoFixture : RestFixture
{
    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE SCHEMA IF NOT EXISTS extensions;
            CREATE EXTENSION IF NOT EXISTS postgis SCHEMA extensions;
            GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
            CREATE TABLE public.places (id int PRIMARY KEY, name text NOT NULL, public boolean NOT NULL, geom extensions.geometry(Point, 4326));
            INSERT INTO public.places VALUES
              (1, 'harbour', true, extensions.ST_SetSRID(extensions.ST_MakePoint(10, 20), 4326)),
              (2, 'bunker', false, extensions.ST_SetSRID(extensions.ST_MakePoint(-3.5, 4), 4326)),
              (3, 'lighthouse', true, extensions.ST_SetSRID(extensions.ST_MakePoint(7, 8), 4326));
            ALTER TABLE public.places ENABLE ROW LEVEL SECURITY;
            CREATE POLICY places_public ON public.places FOR SELECT TO anon USING (public);
            CREATE POLICY places_all ON public.places FOR SELECT TO authenticated USING (true);
            GRANT SELECT ON public.places TO anon, authenticated;
            GRANT ALL ON public.places TO service_role;
            CREATE FUNCTION public.public_places() RETURNS SETOF public.places LANGUAGE sql STABLE AS $$ SELECT * FROM public.places WHERE public $$;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

/// <summary><c>Accept: application/geo+json</c> answers a FeatureCollection built with PostGIS's ST_AsGeoJSON(record).</summary>
public sealed class GeoJsonTests(GeoFixture fx) : IClassFixture<GeoFixture>
{
    private const string Geo = "Accept: application/geo+json";

    private static string Feature(int id, string name, bool isPublic, double x, double y) => FormattableString.Invariant(
        $"{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{x},{y}]}},\"properties\":{{\"id\":{id},\"name\":\"{name}\",\"public\":{(isPublic ? "true" : "false")}}}}}");

    [Fact]
    public async Task Authenticated_read_is_a_feature_collection_with_geometry_and_properties()
    {
        var (status, body, response) = await fx.GetAsync("/places?order=id", RestFixture.UserToken(RestFixture.Alice), Geo);
        Assert.Equal(200, status);
        Assert.Equal("application/geo+json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(RestFixture.Norm($$"""
            {"type":"FeatureCollection","features":[{{Feature(1, "harbour", true, 10, 20)}},{{Feature(2, "bunker", false, -3.5, 4)}},{{Feature(3, "lighthouse", true, 7, 8)}}]}
            """), RestFixture.Norm(body));
    }

    [Fact]
    public async Task Filters_select_and_order_still_apply()
    {
        var (status, body, _) = await fx.GetAsync("/places?select=name,geom&id=gt.1&order=id.desc", RestFixture.UserToken(RestFixture.Alice), Geo);
        Assert.Equal(200, status);
        Assert.Equal(RestFixture.Norm("""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[7,8]},"properties":{"name":"lighthouse"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-3.5,4]},"properties":{"name":"bunker"}}]}
            """), RestFixture.Norm(body));
    }

    [Fact]
    public async Task Rls_hides_rows_from_anon()
    {
        var (status, body, _) = await fx.GetAsync("/places?select=id,geom&order=id", null, Geo);
        Assert.Equal(200, status);
        var ids = JsonDocument.Parse(body).RootElement.GetProperty("features").EnumerateArray()
            .Select(f => f.GetProperty("properties").GetProperty("id").GetInt32()).ToList();
        Assert.Equal([1, 3], ids);
    }

    [Fact]
    public async Task No_rows_is_an_empty_feature_collection()
    {
        var (status, body, _) = await fx.GetAsync("/places?id=eq.2", null, Geo);
        Assert.Equal(200, status);
        Assert.Equal("""{"type":"FeatureCollection","features":[]}""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Set_returning_rpc_answers_geojson()
    {
        var (status, body, response) = await fx.GetAsync("/rpc/public_places?select=id,geom&order=id.desc", null, Geo);
        Assert.Equal(200, status);
        Assert.Equal("application/geo+json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(RestFixture.Norm("""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[7,8]},"properties":{"id":3}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[10,20]},"properties":{"id":1}}]}
            """), RestFixture.Norm(body));
    }

    [Fact]
    public async Task Write_with_representation_answers_geojson()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/places?select=id,geom",
            """{"id": 10, "name": "buoy", "public": false, "geom": "SRID=4326;POINT(1.5 -2)"}""", RestFixture.ServiceToken,
            Geo, "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("application/geo+json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(RestFixture.Norm("""
            {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1.5,-2]},"properties":{"id":10}}]}
            """), RestFixture.Norm(body));
        await fx.Database.ExecuteAsync("DELETE FROM public.places WHERE id = 10");
    }
}

/// <summary>Without PostGIS, GeoJSON is a media type PostgREST can't produce: 406 PGRST107.</summary>
public sealed class GeoJsonWithoutPostgisTests(RestFixture fx) : IClassFixture<RestFixture>
{
    [Fact]
    public async Task Geojson_is_not_acceptable_without_postgis()
    {
        var (status, body, _) = await fx.GetAsync("/users", null, "Accept: application/geo+json");
        Assert.Equal(406, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal("PGRST107", error.GetProperty("code").GetString());
        Assert.Equal("None of these media types are available: application/geo+json", error.GetProperty("message").GetString());
    }
}

/// <summary>The PostGIS fixture with plans enabled and a custom application/geo+json handler for one table.</summary>
public sealed class GeoPlanFixture : GeoFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_PLAN_ENABLED"] = "true" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.routes (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO public.routes VALUES (1, 'north'), (2, 'south');
            GRANT SELECT ON public.routes TO anon, authenticated;
            CREATE DOMAIN "application/geo+json" AS jsonb;
            CREATE FUNCTION public.routes_geo_trans(state jsonb, next public.routes) RETURNS "application/geo+json"
              LANGUAGE sql AS $$ SELECT (state || jsonb_build_array(next.name))::"application/geo+json" $$;
            CREATE FUNCTION public.routes_geo_final(data jsonb) RETURNS "application/geo+json"
              LANGUAGE sql AS $$ SELECT jsonb_build_object('type', 'FeatureCollection', 'names', data)::"application/geo+json" $$;
            CREATE AGGREGATE public.routes_geo_agg(public.routes) (initcond = '[]', stype = "application/geo+json",
              sfunc = public.routes_geo_trans, finalfunc = public.routes_geo_final);
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

/// <summary>GeoJSON as a plan's <c>for</c> media type, and a custom handler overriding the built-in GeoJSON for one table.</summary>
public sealed class GeoJsonPlanTests(GeoPlanFixture fx) : IClassFixture<GeoPlanFixture>
{
    [Fact]
    public async Task Plan_for_geojson_explains_st_asgeojson()
    {
        var (status, body, response) = await fx.GetAsync("/places", null, "Accept: application/vnd.pgrst.plan+text; for=\"application/geo+json\"; options=verbose");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"application/geo+json\"; options=verbose; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("st_asgeojson", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_geojson_handler_overrides_the_builtin_for_its_table_only()
    {
        var (status, body, response) = await fx.GetAsync("/routes?order=id", null, "Accept: application/geo+json");
        Assert.Equal(200, status);
        Assert.Equal("application/geo+json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("""{"type":"FeatureCollection","names":["north","south"]}""", RestFixture.Norm(body));
        var places = await fx.GetAsync("/places?select=id,geom&id=eq.1", null, "Accept: application/geo+json");
        Assert.Equal(200, places.Status);
        Assert.Contains("\"features\"", places.Body, StringComparison.Ordinal);
    }
}
