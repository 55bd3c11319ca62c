using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>DELETE /rest/v1/{relation}: delete the rows the filters match.</summary>
internal static class RelationDelete
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var query = req.ParseQuery();
        await FilteredWrite.RunAsync(req, relation, query, MediaType.Negotiate(http.Request), (cache, rel, p) =>
        {
            var alias = Sql.Sql.Ident(rel.Name);
            return $"DELETE FROM {Sql.Sql.Qualified(rel.Schema, rel.Name)} AS {alias}{WriteStatement.Where(req, cache, rel, query, p)} RETURNING {alias}.*";
        }).ConfigureAwait(false);
    });
}
