using Baton.Client;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>GET /api/v1/usage</c> (what succeeded attempts used, per template) and <c>GET /api/v1/errors</c> (failed
/// attempts clustered by cause), as <c>baton usage</c> and <c>baton errors</c> compute them.
/// </summary>
public static class InsightEndpoints
{
    public static RouteGroupBuilder MapInsightReads(this IEndpointRouteBuilder api, NodeQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var insights = api.MapGroup("");
        insights.MapGet("/usage", (string? workflow, string? template, long? run, bool? all, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => TypedResults.Ok(await queries.UsageAsync(Query(workflow, template, run, all), cancellationToken))));
        insights.MapGet("/errors", (string? workflow, string? template, long? run, bool? all, int? lines, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => TypedResults.Ok(await queries.ErrorsAsync(Query(workflow, template, run, all), lines ?? 3, cancellationToken))));
        return insights;
    }

    private static InsightQuery Query(string? workflow, string? template, long? run, bool? all) =>
        new() { Workflow = workflow, Template = template, RunId = run, AllVersions = all ?? false };
}
