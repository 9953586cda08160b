using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>GET /api/v1/runs</c> (filtered by workflow, submitter, status and start time, keyset-paged newest first) and
/// <c>GET /api/v1/runs/{id}</c> (with its tasks counted per state by the store, and its live progress).
/// </summary>
public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunReads(this IEndpointRouteBuilder api, NodeQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var runs = api.MapGroup("/runs");
        runs.MapGet("", (string? workflow, [FromQuery(Name = "submitted_by")] string? submittedBy, string[]? status, DateTimeOffset? since, DateTimeOffset? until, bool? all, string? after, int? limit, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => TypedResults.Ok(await queries.ListRunsAsync(new RunQuery
            {
                Workflow = workflow,
                SubmittedBy = submittedBy,
                Statuses = status is { Length: > 0 } ? status.Select(ParseStatus).ToList() : null,
                Since = since,
                Until = until,
                AllVersions = all ?? false,
                After = after,
                Limit = limit ?? RunQuery.DefaultLimit,
            }, cancellationToken))));
        runs.MapGet("/{id:long}", (long id, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => await queries.GetRunAsync(id, cancellationToken) is { } run
                ? TypedResults.Ok(run)
                : ReadResults.NotFound($"no run {id} in this workspace")));
        return runs;
    }

    private static RunStatus ParseStatus(string word) =>
        Enum.TryParse<RunStatus>(word, ignoreCase: true, out var status) && Enum.IsDefined(status)
            ? status
            : throw new BatonInputException($"status '{QuotedText.Escape(word)}' is not a run status (one of: {string.Join(", ", Enum.GetNames<RunStatus>().Select(n => n.ToLowerInvariant()))})");
}
