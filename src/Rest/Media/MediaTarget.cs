namespace Supacs.Rest.Media;

/// <summary>What a response is about, for handler lookup: the relation whose rows it holds, the function called.</summary>
/// <param name="RelationOid">The table/view (or a function's returned table) whose aggregates apply; 0 for none.</param>
/// <param name="FunctionOid">The called function, whose media type domain result makes it a handler; 0 for none.</param>
/// <param name="DefaultSelect">No <c>select</c> or <c>select=*</c>: only then do the relation's/function's own handlers apply.</param>
/// <param name="PlansEnabled">db-plan-enabled: otherwise a plan range is passed over, as PostgREST does.</param>
internal readonly record struct MediaTarget(uint RelationOid, uint FunctionOid, bool DefaultSelect, bool PlansEnabled = true)
{
    public static MediaTarget For(Http.RestRequest req, uint relationOid, uint functionOid, Query.ApiQuery query) =>
        new(relationOid, functionOid, !query.HasSelect || query.Select is [Query.StarItem], req.Settings.PlanEnabled);
}
