using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>GET /api/v1/tasks</c> (filtered by workflow, run, state, template, tag, attribute, name or identity prefix;
/// keyset-paged in workflow order), <c>GET /api/v1/tasks/{id}</c> and <c>GET /api/v1/tasks/{id}/attempts</c>.
/// </summary>
public static class TaskEndpoints
{
    public static RouteGroupBuilder MapTaskReads(this IEndpointRouteBuilder api, NodeQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var tasks = api.MapGroup("/tasks");
        tasks.MapGet("", (string? workflow, long? run, string[]? state, string? template, string? tag, string? attr, string? q, bool? all, string? after, int? limit, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => TypedResults.Ok(await queries.ListTasksAsync(new TaskQuery
            {
                Workflow = workflow,
                RunId = run,
                States = state is { Length: > 0 } ? state.Select(ParseState).ToList() : null,
                Template = template,
                Tag = tag,
                Attribute = attr,
                Text = q,
                AllVersions = all ?? false,
                After = after,
                Limit = limit ?? TaskQuery.DefaultLimit,
            }, cancellationToken))));
        tasks.MapGet("/{id:long}", (long id, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => await queries.GetTaskAsync(id, cancellationToken) is { } task
                ? TypedResults.Ok(task)
                : ReadResults.NotFound($"no task {id} in this workspace")));
        tasks.MapGet("/{id:long}/attempts", (long id, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () => await queries.GetTaskAsync(id, cancellationToken) is { } task
                ? TypedResults.Ok(task.Attempts)
                : ReadResults.NotFound($"no task {id} in this workspace")));
        return tasks;
    }

    internal static TaskState ParseState(string word) =>
        LifecycleNames.TryParseState(word, out var state)
            ? state
            : throw new BatonInputException($"state '{QuotedText.Escape(word)}' is not a task state (one of: {string.Join(", ", Enum.GetValues<TaskState>().Select(s => s.ToWord()))})");
}
