using System.Net.ServerSentEvents;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Workflows;
using Baton.Engine.Control;
using Baton.Engine.Events;
using Baton.Engine.Node;
using Baton.Engine.Runs;
using System.Security.Claims;
using Baton.Hosting.Composition;
using Baton.Hosting.Bundles;
using Baton.Hosting.Security;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// The node's HTTP API under <c>/api/v1</c>: the one way clients (the CLI, typed experiments, later the dashboard and
/// remote users) reach the node. Errors are RFC 9457 problem details with a stable <c>type</c>.
/// </summary>
public static class NodeEndpoints
{
    public static string Version { get; } =
        typeof(NodeEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    public static void MapNodeApi(this IEndpointRouteBuilder app, NodeServerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var api = app.MapGroup("/api/v1");
        var node = state.Node;
        var queries = new NodeQueries(node.Store, node.Engine, state.Time);
        api.MapRunReads(queries).RequireAuthorization(BatonPolicies.Read);
        api.MapTaskReads(queries).RequireAuthorization(BatonPolicies.Read);
        api.MapLogReads(queries).RequireAuthorization(BatonPolicies.Read);
        api.MapFileReads(queries).RequireAuthorization(BatonPolicies.Read);
        api.MapInsightReads(queries).RequireAuthorization(BatonPolicies.Read);

        var bundles = new InputBundles(node.Setup.Layout.Root, new BundleLimits());
        api.MapBundles(bundles);

        api.MapGet("/node", () => TypedResults.Ok(Status(state))).RequireAuthorization(BatonPolicies.Read);
        api.MapPost("/node/stop", (StopRequest request) =>
        {
            var active = node.Engine.ActiveRuns.Count;
            if (active > 0 && !request.Force)
            {
                return Problem(StatusCodes.Status409Conflict, ApiProblems.Conflict, $"the node drives {active} active runs; wait for them, kill them, or stop with --force (their attempts are killed)");
            }
            state.RequestStop();
            return Results.Accepted();
        }).RequireAuthorization(BatonPolicies.Admin);

        api.MapPost("/runs", async (RunSubmission submission, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if ((Incomplete(string.IsNullOrWhiteSpace(submission.File), "file", "the path of a workflow file on the node's machine")
                ?? Incomplete(submission.Force.Any(t => t is null), "force", "task names")) is { } incomplete)
            {
                return incomplete;
            }
            try
            {
                var file = submission.Bundle is { } bundle ? bundles.Resolve(bundle, submission.File) : submission.File;
                var graph = WorkflowCompiler.CompileFile(file);
                if (submission.Executor is { } executor && executor != node.Setup.Executor.Name)
                {
                    throw new BatonInputException($"the workspace's node runs attempts on '{node.Setup.Executor.Name}', not '{executor}': stop it first ('baton node stop') or run with --embedded");
                }
                var options = node.Setup.RunOptions() with
                {
                    FailFast = submission.FailFast,
                    RefuseNewVersion = submission.RefuseNewVersion,
                    Force = submission.Force,
                    Resume = submission.Cold ? ResumeMode.Cold : ResumeMode.Hot,
                    SubmittedBy = user.NameOf(),
                };
                var (run, attached) = await node.StartRunAsync(graph, options, cancellationToken);
                // The run has an id once its loop runs; a run that cannot start (a refused DAG change) says why.
                await Task.WhenAny(run.Control, run.Completion);
                if (!run.Control.IsCompletedSuccessfully)
                {
                    await run.Completion;
                }
                var control = await run.Control;
                return Results.Json(new RunAccepted(control.RunId, graph.Name, attached), NodeJson.Default.RunAccepted, statusCode: attached ? StatusCodes.Status200OK : StatusCodes.Status201Created);
            }
            catch (StoreDamagedException ex)
            {
                return Problem(StatusCodes.Status500InternalServerError, ApiProblems.StoreDamaged, ex.Message);
            }
            catch (BatonInputException ex)
            {
                return Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, ex.Message);
            }
        }).RequireAuthorization(BatonPolicies.Submit);

        api.MapGet("/runs/{id:long}/follow", (long id, CancellationToken cancellationToken) =>
            node.Engine.Find(id) is { } run
                ? TypedResults.ServerSentEvents(FollowAsync(run, node.Engine, cancellationToken))
                : Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, $"run {id} is not driven by this node")).RequireAuthorization(BatonPolicies.Read);

        api.MapPost("/runs/{id:long}/interrupt", async (long id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (node.Engine.Find(id) is not { } run)
            {
                return Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, $"run {id} is not driven by this node");
            }
            if (await RunAccess.RefusalAsync(user, node.Store, id, cancellationToken) is { } refusal)
            {
                return Problem(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, refusal);
            }
            run.Interrupt();
            return Results.Accepted();
        }).RequireAuthorization(BatonPolicies.Submit);

        api.MapPost("/tasks/kill", async (TaskRequest request, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (Incomplete(request) is { } incomplete)
            {
                return incomplete;
            }
            if (await ControlOf(node, request.Workflow) is not { } control)
            {
                return Results.Ok(new TaskResponse(false, []));
            }
            if (await RunAccess.RefusalAsync(user, node.Store, control.RunId, cancellationToken) is { } refusal)
            {
                return Problem(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, refusal);
            }
            var report = await control.KillAsync(request.Tasks.ToList(), cancellationToken);
            return Results.Ok(new TaskResponse(true, report.Tasks.Select(t => new TaskOutcome(t.Task, t.Outcome)).ToList()));
        }).RequireAuthorization(BatonPolicies.Submit);

        api.MapPost("/tasks/set", async (TaskRequest request, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if ((Incomplete(request) ?? Incomplete(request.Values.Any(v => v is null), "values", "KEY=VALUE words")) is { } incomplete)
            {
                return incomplete;
            }
            if (await ControlOf(node, request.Workflow) is not { } control)
            {
                return Results.Ok(new TaskResponse(false, []));
            }
            if (await RunAccess.RefusalAsync(user, node.Store, control.RunId, cancellationToken) is { } refusal)
            {
                return Problem(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, refusal);
            }
            TaskChange change;
            try
            {
                change = TaskChange.Parse(request.Values.ToArray());
            }
            catch (BatonInputException ex)
            {
                return Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, ex.Message);
            }
            var results = new List<TaskOutcome>();
            foreach (var task in request.Tasks)
            {
                results.Add(new TaskOutcome(task, await control.SetAsync(task, change, cancellationToken)));
            }
            return Results.Ok(new TaskResponse(true, results));
        }).RequireAuthorization(BatonPolicies.Submit);

        api.MapPost("/limits", async (LimitRequest request, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (Incomplete(string.IsNullOrEmpty(request.Workflow), "workflow", "a workflow's name") is { } incomplete)
            {
                return incomplete;
            }
            if (request.Limit < 1)
            {
                return Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, "a concurrency limit is a whole number of at least 1");
            }
            if (await ControlOf(node, request.Workflow) is not { } control)
            {
                return Results.Ok(new TaskResponse(false, []));
            }
            if (await RunAccess.RefusalAsync(user, node.Store, control.RunId, cancellationToken) is { } refusal)
            {
                return Problem(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, refusal);
            }
            var what = request.Template is null ? $"workflow '{request.Workflow}'" : $"template '{request.Template}'";
            return await control.SetLimitAsync(request.Template, request.Limit, cancellationToken)
                ? Results.Ok(new TaskResponse(true, [new TaskOutcome(what, $"at most {request.Limit} at once")]))
                : Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, $"workflow '{request.Workflow}' has no template '{request.Template}'");
        }).RequireAuthorization(BatonPolicies.Submit);

        // Committed events as Server-Sent Events, each with its sequence number as id: a client that reconnects with
        // Last-Event-ID (or ?after=) catches up from the store, then follows live; nothing is lost in between.
        api.MapGet("/events", (HttpRequest request, long? after, long? run, CancellationToken cancellationToken) =>
        {
            var from = after ?? (long.TryParse(request.Headers["Last-Event-ID"], System.Globalization.CultureInfo.InvariantCulture, out var last) ? last : 0);
            var events = node.Engine.Events.SubscribeAsync(from, new Core.Stores.EventFilter { RunId = run }, cancellationToken);
            return TypedResults.ServerSentEvents(Items(events, cancellationToken));
        }).RequireAuthorization(BatonPolicies.Read);

        api.MapGet("/resources", async (CancellationToken cancellationToken) =>
        {
            var snapshots = new List<ResourceSnapshot>();
            foreach (var run in node.Engine.ActiveRuns)
            {
                try
                {
                    snapshots.Add(await (await run.Control.WaitAsync(cancellationToken)).ResourcesAsync(cancellationToken));
                }
                catch (InvalidOperationException)
                {
                    // The run ended in the meantime: it holds nothing.
                }
            }
            return TypedResults.Ok<IReadOnlyList<ResourceSnapshot>>(snapshots);
        }).RequireAuthorization(BatonPolicies.Read);
    }

    private static NodeStatus Status(NodeServerState state)
    {
        var node = state.Node;
        var (cpus, memory) = node.Engine.InUse();
        var runs = node.Engine.ActiveRuns
            .Where(r => r.RunId is not null)
            .Select(r => new NodeRunInfo(r.RunId!.Value, r.Workflow, r.Progress.Total,
                r.Progress.Count(Core.Lifecycle.TaskState.Done),
                r.Progress.Count(Core.Lifecycle.TaskState.Running) + r.Progress.Count(Core.Lifecycle.TaskState.Submitted),
                r.Progress.Count(Core.Lifecycle.TaskState.Failed)))
            .ToList();
        return new NodeStatus(Version, Environment.ProcessId, Environment.MachineName, state.StartedAt, node.Setup.Layout.Root, node.Setup.Executor.Name,
            node.Setup.Capacity.Cpus, node.Setup.Capacity.MemoryBytes, cpus, memory, runs);
    }

    /// <summary>The live run of <paramref name="workflow"/> in this node, once it takes requests; null when there is none.</summary>
    public static async Task<IRunControl?> ControlOf(BatonNode node, string workflow)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Engine.FindActive(workflow) is not { } run)
        {
            return null;
        }
        try
        {
            await Task.WhenAny(run.Control, run.Completion);
            return run.Control.IsCompletedSuccessfully ? await run.Control : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The run's progress each time it changes (woken by the run's committed events on the node's event hub; the
    /// progress itself is read in the node's memory), then one last update with the summary.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<RunUpdate>> FollowAsync(NodeRun run, NodeEngine engine, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Read before the first snapshot: the run moves its progress before it writes a change, so what any event up
        // to `from` did is in that snapshot, and every later event wakes the follower.
        var from = await engine.Store.LatestEventSequenceAsync(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One pending wake-up is enough: each wake-up reads the whole progress.
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var pump = WakeOnEventsAsync(engine.Events, new Core.Stores.EventFilter { RunId = run.RunId }, from, wake.Writer, stop.Token);
        try
        {
            RunProgressSnapshot? last = null;
            while (!run.Completion.IsCompleted)
            {
                var now = run.Progress.Snapshot();
                if (last is null || !SameCounts(last, now))
                {
                    last = now;
                    yield return new SseItem<RunUpdate>(new RunUpdate(now) { Workflow = run.Workflow }, "progress");
                }
                await Task.WhenAny(run.Completion, wake.Reader.ReadAsync(cancellationToken).AsTask());
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
        var final = new RunUpdate(run.Progress.Snapshot()) { Workflow = run.Workflow };
        if (run.Completion.IsCompletedSuccessfully)
        {
            final = final with { Summary = run.Completion.Result };
        }
        else
        {
            var error = run.Completion.Exception?.InnerException;
            final = final with
            {
                Error = error is BatonInputException ? error.Message : $"the run stopped: {error?.Message}",
                StoreDamaged = error is StoreDamagedException,
            };
        }
        yield return new SseItem<RunUpdate>(final, "end");
    }

    /// <summary>Signals <paramref name="wake"/> for each event the filter matches after <paramref name="from"/>, until stopped.</summary>
    private static async Task WakeOnEventsAsync(EventHub events, Core.Stores.EventFilter filter, long from, ChannelWriter<bool> wake, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in events.SubscribeAsync(from, filter, cancellationToken))
            {
                wake.TryWrite(true);
            }
        }
        catch (OperationCanceledException)
        {
            // The follower stopped.
        }
    }

    private static async IAsyncEnumerable<SseItem<Core.Stores.StoredEvent>> Items(IAsyncEnumerable<Core.Stores.StoredEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in events.WithCancellation(cancellationToken))
        {
            yield return new SseItem<Core.Stores.StoredEvent>(stored, stored.Kind.ToString()) { EventId = stored.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }

    private static bool SameCounts(RunProgressSnapshot a, RunProgressSnapshot b) =>
        a.AttemptsStarted == b.AttemptsStarted
        && a.Notices.Count == b.Notices.Count
        && a.Templates.Count == b.Templates.Count
        && a.Templates.Zip(b.Templates).All(p => p.First.Counts.SequenceEqual(p.Second.Counts));

    /// <summary>
    /// The 400 for a required field left out or null (the JSON reader lets those through as null, whatever the
    /// contract's annotations say), or a list with a null in it; null when <paramref name="missing"/> is false.
    /// </summary>
    private static IResult? Incomplete(bool missing, string field, string what) =>
        missing ? Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, $"the request needs '{field}': {what}") : null;

    /// <summary>A task request's workflow and task list are required: a kill with no list must not kill every task.</summary>
    private static IResult? Incomplete(TaskRequest request) =>
        Incomplete(string.IsNullOrEmpty(request.Workflow), "workflow", "a workflow's name")
        ?? Incomplete(request.Tasks is null || request.Tasks.Any(t => t is null), "tasks", "a list of task names ([] for all of them, for a kill)");

    private static IResult Problem(int status, string type, string detail) =>
        Results.Problem(detail: detail, statusCode: status, type: type, title: detail);
}
