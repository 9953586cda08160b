using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>
/// The behaviour every <see cref="IBatonStore"/> must have. A store's test project derives from this class and
/// says how to open its store; every test here then runs against it.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    /// <summary>A time with sub-millisecond ticks: stores must keep times exactly.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero).AddTicks(5_358_979);

    private readonly TempDirectory _directory = new("baton-store-");
    private readonly List<IBatonStore> _stores = [];

    /// <summary>
    /// Opens and initializes the store kept in <paramref name="directory"/>. Called again with the same
    /// directory, it must open the same data (the tests close a store and open it again).
    /// </summary>
    protected abstract ValueTask<IBatonStore> CreateStoreAsync(string directory, CancellationToken cancellationToken);

    /// <summary>A directory of this test's own, deleted after it.</summary>
    protected string StoreDirectory => _directory.Path;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Opens the store of this test; it is disposed after the test.</summary>
    protected async Task<IBatonStore> OpenAsync()
    {
        var store = await CreateStoreAsync(StoreDirectory, Token);
        _stores.Add(store);
        return store;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static ValueTask<WorkflowRegistration> RegisterAsync(IBatonStore store, WorkflowGraph graph, DateTimeOffset? now = null, string paramsExtra = "") =>
        store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph, paramsExtra), now ?? T0, Token);

    protected static WorkflowGraph Diamond(string workflow = "diamond") => new TestGraphBuilder(workflow)
        .Task("prepare")
        .Task("left", after: ["prepare"], tags: ["gpu"])
        .Task("right", after: ["prepare"], tags: ["cpu"])
        .Task("merge", after: ["left", "right"])
        .Build();

    /// <summary>Takes one task from Waiting to Done through one successful attempt, in one batch.</summary>
    protected static StoreChange[] RunToDone(long taskId, long runId, DateTimeOffset at, int attempt = 1) =>
    [
        new TaskStateChanged(taskId, runId, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, at),
        new TaskStateChanged(taskId, runId, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, at.AddSeconds(1), AttemptCount: attempt),
        new AttemptStarted(taskId, runId, attempt, "local", "4242", "host-a", 4242, $"/workspace/a/attempts/{attempt}", at.AddSeconds(1)),
        new TaskStateChanged(taskId, runId, TaskState.Submitted, TaskState.Running, FailureReason.None, null, at.AddSeconds(2)),
        new AttemptEnded(taskId, attempt, AttemptOutcome.Succeeded, 0, null, at.AddSeconds(3)),
        new TaskStateChanged(taskId, runId, TaskState.Running, TaskState.Done, FailureReason.None, null, at.AddSeconds(3)),
    ];

    // ---- registration ----

    [Fact]
    public async Task Register_creates_every_task_waiting_with_one_history_row()
    {
        await using var store = await OpenAsync();
        var graph = Diamond();

        var registration = await RegisterAsync(store, graph);

        Assert.True(registration.Created);
        Assert.True(registration.WorkflowId > 0);
        Assert.Equal(4, registration.TaskIds.Length);
        Assert.All(registration.TaskIds, id => Assert.True(id > 0));
        Assert.Equal(4, registration.TaskIds.Distinct().Count());
        Assert.All(registration.States, s => Assert.Equal(TaskState.Waiting, s));
        Assert.All(registration.Reasons, r => Assert.Equal(FailureReason.None, r));
        Assert.All(registration.AttemptCounts, c => Assert.Equal(0, c));
        Assert.All(registration.LastAttemptNumbers, n => Assert.Equal(0, n));

        var details = await store.GetTaskDetailsAsync(registration.TaskIds[1], Token);
        Assert.NotNull(details);
        Assert.Equal("left", details.Task.Name);
        Assert.Equal("diamond", details.Task.Workflow);
        Assert.Equal(TestGraphBuilder.DefaultTemplate, details.Task.Template);
        Assert.Equal(graph.Tasks[1].Identity.Hex, details.Task.Identity);
        Assert.Equal(TaskState.Waiting, details.Task.State);
        Assert.Equal(["gpu"], details.Task.Tags);
        Assert.Equal(TestGraphs.Directories(graph)[1], details.Task.Directory);
        Assert.Equal(TestGraphs.ParamsJson(graph)[1], details.ParamsJson);
        Assert.Equal(T0, details.Task.UpdatedAt);
        Assert.Null(details.Task.LastExitCode);
        var entry = Assert.Single(details.History);
        Assert.Equal(new StateHistoryEntry(TaskState.Waiting, FailureReason.None, null, T0, null), entry);
        Assert.Empty(details.Attempts);
    }

    [Fact]
    public async Task Register_keeps_attributes()
    {
        await using var store = await OpenAsync();
        var graph = new TestGraphBuilder("attrs")
            .Task("a", attributes: new Dictionary<string, string> { ["owner"] = "ada", ["purpose"] = "sweep <1>" })
            .Build();

        var registration = await RegisterAsync(store, graph);

        var details = await store.GetTaskDetailsAsync(registration.TaskIds[0], Token);
        Assert.NotNull(details);
        Assert.Equal(2, details.Attributes.Count);
        Assert.Equal("ada", details.Attributes["owner"]);
        Assert.Equal("sweep <1>", details.Attributes["purpose"]);
    }

    [Fact]
    public async Task Registering_the_same_workflow_again_returns_the_same_ids_and_keeps_states()
    {
        await using var store = await OpenAsync();
        var first = await RegisterAsync(store, Diamond());
        var run = await store.StartRunAsync(first.WorkflowId, "host-a", 4242, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0.AddMinutes(1)), Token);
        await store.ApplyAsync(
        [
            new TaskStateChanged(first.TaskIds[1], run, TaskState.Waiting, TaskState.Failed, FailureReason.UpstreamFailed, "no", T0.AddMinutes(2), AttemptCount: 2),
        ], Token);

        var again = await RegisterAsync(store, Diamond(), T0.AddHours(1));

        Assert.False(again.Created);
        Assert.Equal(first.WorkflowId, again.WorkflowId);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal([TaskState.Done, TaskState.Failed, TaskState.Waiting, TaskState.Waiting], again.States);
        Assert.Equal([FailureReason.None, FailureReason.UpstreamFailed, FailureReason.None, FailureReason.None], again.Reasons);
        Assert.Equal([1, 2, 0, 0], again.AttemptCounts);
        Assert.Equal([1, 0, 0, 0], again.LastAttemptNumbers);

        // Registration adds no history to tasks that exist.
        var details = await store.GetTaskDetailsAsync(first.TaskIds[2], Token);
        Assert.NotNull(details);
        Assert.Single(details.History);
        Assert.Equal(T0, details.Task.UpdatedAt);
    }

    [Fact]
    public async Task Last_attempt_number_survives_a_reset_of_the_attempt_count()
    {
        await using var store = await OpenAsync();
        var graph = new TestGraphBuilder("retry").Task("a").Build();
        var first = await RegisterAsync(store, graph);
        var id = first.TaskIds[0];
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
            new TaskStateChanged(id, run, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, T0, AttemptCount: 1),
            new AttemptStarted(id, run, 1, "local", "1", "h", 1, "/a/1", T0),
            new AttemptEnded(id, 1, AttemptOutcome.Failed, 1, null, T0.AddSeconds(1)),
            new TaskStateChanged(id, run, TaskState.Submitted, TaskState.Ready, FailureReason.None, null, T0.AddSeconds(1)),
            new TaskStateChanged(id, run, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, T0.AddSeconds(2), AttemptCount: 2),
            new AttemptStarted(id, run, 2, "local", "2", "h", 2, "/a/2", T0.AddSeconds(2)),
            new AttemptEnded(id, 2, AttemptOutcome.Failed, 1, null, T0.AddSeconds(3)),
            new TaskStateChanged(id, run, TaskState.Submitted, TaskState.Failed, FailureReason.ExitCode, "exit code 1", T0.AddSeconds(3)),
        ], Token);
        var run2 = await store.StartRunAsync(first.WorkflowId, "h", 1, T0.AddHours(1), Token);
        await store.ApplyAsync([new TaskStateChanged(id, run2, TaskState.Failed, TaskState.Waiting, FailureReason.None, null, T0.AddHours(1), AttemptCount: 0)], Token);

        var again = await RegisterAsync(store, graph);

        Assert.Equal(TaskState.Waiting, again.States[0]);
        Assert.Equal(0, again.AttemptCounts[0]);
        Assert.Equal(2, again.LastAttemptNumbers[0]);
    }

    [Fact]
    public async Task Registering_again_updates_names_tags_attributes_and_params_but_not_state()
    {
        await using var store = await OpenAsync();
        var before = new TestGraphBuilder("wf")
            .Task("a", value: "1", tags: ["x"])
            .Task("b", value: "2", after: ["a"])
            .Build();
        var first = await RegisterAsync(store, before);
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);

        // Same identities and edges (so the same workflow), but renamed, retagged and with new params.
        var after = new TestGraphBuilder("wf")
            .Task("alpha", value: "1", tags: ["y", "z"], attributes: new Dictionary<string, string> { ["k"] = "v" })
            .Task("b", value: "2", after: ["alpha"])
            .Build();
        var again = await RegisterAsync(store, after, paramsExtra: "changed");

        Assert.False(again.Created);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(TaskState.Done, again.States[0]);
        var rows = await store.ListTasksAsync(new TaskFilter(), Token);
        Assert.Equal(["alpha", "b"], rows.Select(r => r.Name));
        Assert.Equal(["y", "z"], rows[0].Tags);
        Assert.Equal(TaskState.Done, rows[0].State);
        var details = await store.GetTaskDetailsAsync(first.TaskIds[0], Token);
        Assert.NotNull(details);
        Assert.Equal(TestGraphs.ParamsJson(after, "changed")[0], details.ParamsJson);
        Assert.Equal("v", details.Attributes["k"]);
    }

    [Fact]
    public async Task Registering_again_with_tasks_reordered_or_names_swapped_keeps_each_task_its_row()
    {
        await using var store = await OpenAsync();
        var first = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a", "1").Task("b", "2").Task("c", "3").Build());

        // Same tasks and no edges, so the same DAG; listed in another order and with two names swapped.
        var reordered = new TestGraphBuilder("wf").Task("c", "3").Task("b", "1").Task("a", "2").Build();
        var again = await RegisterAsync(store, reordered);

        Assert.False(again.Created);
        Assert.Equal(first.WorkflowId, again.WorkflowId);
        Assert.Equal([first.TaskIds[2], first.TaskIds[0], first.TaskIds[1]], again.TaskIds);
        var rows = await store.ListTasksAsync(new TaskFilter { Workflow = "wf" }, Token);
        Assert.Equal(["c", "b", "a"], rows.Select(r => r.Name));
        Assert.Equal(again.TaskIds, rows.Select(r => r.TaskId));
    }

    [Fact]
    public async Task Changed_workflow_args_make_another_workflow_that_shares_the_tasks()
    {
        await using var store = await OpenAsync();
        var first = await RegisterAsync(store, new TestGraphBuilder("sweep").WithArg("seed", "1").Task("a").Task("b", after: ["a"]).Build());
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);

        var second = await RegisterAsync(store, new TestGraphBuilder("sweep").WithArg("seed", "2").Task("a").Task("b", after: ["a"]).Build());

        Assert.True(second.Created);
        Assert.NotEqual(first.WorkflowId, second.WorkflowId);
        Assert.Equal(first.TaskIds, second.TaskIds);
        Assert.Equal(TaskState.Done, second.States[0]);
    }

    [Fact]
    public async Task A_changed_dag_makes_another_workflow_and_new_tasks_start_waiting()
    {
        await using var store = await OpenAsync();
        var first = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Task("b", after: ["a"]).Build());
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);

        var grown = new TestGraphBuilder("wf").Task("a").Task("b", after: ["a"]).Task("c", after: ["b"]).Build();
        var second = await RegisterAsync(store, grown, T0.AddDays(1));

        Assert.True(second.Created);
        Assert.NotEqual(first.WorkflowId, second.WorkflowId);
        Assert.Equal(first.TaskIds, second.TaskIds[..2]);
        Assert.DoesNotContain(second.TaskIds[2], first.TaskIds);
        Assert.Equal([TaskState.Done, TaskState.Waiting, TaskState.Waiting], second.States);
        var details = await store.GetTaskDetailsAsync(second.TaskIds[2], Token);
        Assert.NotNull(details);
        Assert.Equal(T0.AddDays(1), Assert.Single(details.History).At);
        // A task that existed gets no second "waiting" row from the new workflow.
        var shared = await store.GetTaskDetailsAsync(second.TaskIds[1], Token);
        Assert.NotNull(shared);
        Assert.Equal(T0, Assert.Single(shared.History).At);
    }

    [Fact]
    public async Task One_task_under_two_names_in_a_workflow_is_one_task_with_two_rows()
    {
        await using var store = await OpenAsync();
        var graph = new TestGraphBuilder("twice").Task("a", value: "same").Task("b", value: "same").Task("c", after: ["a", "b"]).Build();

        var first = await RegisterAsync(store, graph);
        var again = await RegisterAsync(store, graph);

        Assert.Equal(first.TaskIds[0], first.TaskIds[1]);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(["a", "b", "c"], (await store.ListTasksAsync(new TaskFilter(), Token)).Select(r => r.Name));
        var details = await store.GetTaskDetailsAsync(first.TaskIds[0], Token);
        Assert.NotNull(details);
        Assert.Single(details.History);
    }

    [Fact]
    public async Task Register_rejects_inputs_that_do_not_match_the_graph()
    {
        await using var store = await OpenAsync();
        var graph = Diamond();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph)[..3], TestGraphs.ParamsJson(graph), T0, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph)[..1], T0, Token));
    }

    [Fact]
    public async Task An_empty_workflow_registers()
    {
        await using var store = await OpenAsync();

        var registration = await RegisterAsync(store, new TestGraphBuilder("empty").Build());

        Assert.True(registration.Created);
        Assert.Empty(registration.TaskIds);
    }

    [Fact]
    public async Task Tasks_added_to_a_running_workflow_join_it_with_edges_to_earlier_tasks()
    {
        await using var store = await OpenAsync();
        var full = Diamond("growing");
        var start = new WorkflowGraph(full.Name, full.WorkflowArgs, full.SourceFile, full.WorkflowDirectory, [full.Tasks[0]], [[]]);
        var first = await RegisterAsync(store, start);
        var run = await store.StartRunAsync(first.WorkflowId, "host-a", 4242, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0.AddMinutes(1)), Token);

        var added = await store.AddTasksAsync(first.WorkflowId, full, 1, TestGraphs.Directories(full)[1..], TestGraphs.ParamsJson(full)[1..], T0.AddMinutes(2), Token);

        Assert.Equal(first.WorkflowId, added.WorkflowId);
        Assert.Equal(3, added.TaskIds.Length);
        Assert.All(added.States, s => Assert.Equal(TaskState.Waiting, s));
        var rows = await store.ListTasksAsync(new TaskFilter { Workflow = "growing" }, Token);
        Assert.Equal(["prepare", "left", "right", "merge"], rows.Select(r => r.Name));
        Assert.Equal(TaskState.Done, rows[0].State);
        Assert.Equal(["gpu"], rows[1].Tags);

        // A task that exists (Done in another workflow) joins with its state.
        var other = await store.RegisterWorkflowAsync(
            new WorkflowGraph("other", full.WorkflowArgs, full.SourceFile, full.WorkflowDirectory, [], []), [], [], T0, Token);
        var joined = await store.AddTasksAsync(other.WorkflowId, full, 3, TestGraphs.Directories(full)[3..], TestGraphs.ParamsJson(full)[3..], T0, Token);
        Assert.Equal(added.TaskIds[2], Assert.Single(joined.TaskIds));
    }

    // ---- changes ----

    [Fact]
    public async Task A_batch_of_changes_applies_in_order()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "host-a", 4242, T0, Token);
        var at = T0.AddMinutes(5);

        await store.ApplyAsync(RunToDone(id, run, at), Token);

        var details = await store.GetTaskDetailsAsync(id, Token);
        Assert.NotNull(details);
        Assert.Equal(TaskState.Done, details.Task.State);
        Assert.Equal(1, details.Task.AttemptCount);
        Assert.Equal(0, details.Task.LastExitCode);
        Assert.Equal(at.AddSeconds(3), details.Task.UpdatedAt);
        Assert.Equal(
            [TaskState.Waiting, TaskState.Ready, TaskState.Submitted, TaskState.Running, TaskState.Done],
            details.History.Select(h => h.State));
        Assert.Equal([T0, at, at.AddSeconds(1), at.AddSeconds(2), at.AddSeconds(3)], details.History.Select(h => h.At));
        Assert.Equal(new long?[] { null, run, run, run, run }, details.History.Select(h => h.RunId));
    }

    [Fact]
    public async Task Failures_keep_their_reason_and_message_and_attempt_fields_round_trip()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "host-a", 4242, T0, Token);
        // An offset other than UTC: stores keep the instant.
        var at = new DateTimeOffset(2026, 3, 14, 18, 0, 0, TimeSpan.FromHours(2)).AddTicks(7);

        await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, at),
            new TaskStateChanged(id, run, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, at, AttemptCount: 1),
            new AttemptStarted(id, run, 1, "local", "pid-1", "node-1", 111, "/w/attempts/1", at),
            new AttemptEnded(id, 1, AttemptOutcome.OutOfMemory, 137, "killed by the OOM killer", at.AddSeconds(10)),
            new TaskStateChanged(id, run, TaskState.Submitted, TaskState.Ready, FailureReason.None, "retry with more memory", at.AddSeconds(10)),
            new TaskStateChanged(id, run, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, at.AddSeconds(11), AttemptCount: 2),
            new AttemptStarted(id, run, 2, "slurm", "job-77", "node-2", null, "/w/attempts/2", at.AddSeconds(11)),
            new AttemptEnded(id, 2, AttemptOutcome.Failed, 3, null, at.AddSeconds(20)),
            new TaskStateChanged(id, run, TaskState.Submitted, TaskState.Failed, FailureReason.ExitCode, "exit code 3", at.AddSeconds(20)),
        ], Token);

        var details = await store.GetTaskDetailsAsync(id, Token);
        Assert.NotNull(details);
        Assert.Equal(TaskState.Failed, details.Task.State);
        Assert.Equal(FailureReason.ExitCode, details.Task.Reason);
        Assert.Equal(2, details.Task.AttemptCount);
        Assert.Equal(3, details.Task.LastExitCode);
        Assert.Equal(new StateHistoryEntry(TaskState.Failed, FailureReason.ExitCode, "exit code 3", at.AddSeconds(20), run), details.History[^1]);
        Assert.Equal("retry with more memory", details.History[3].Message);
        Assert.Equal(
        [
            new AttemptRow(1, run, "local", "pid-1", "node-1", 111, "/w/attempts/1", at, at.AddSeconds(10), AttemptOutcome.OutOfMemory, 137, "killed by the OOM killer"),
            new AttemptRow(2, run, "slurm", "job-77", "node-2", null, "/w/attempts/2", at.AddSeconds(11), at.AddSeconds(20), AttemptOutcome.Failed, 3, null),
        ], details.Attempts);
    }

    [Fact]
    public async Task Each_attempt_keeps_its_resource_request_and_usage_and_attempts_list_by_outcome_run_and_template()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "host-a", 4242, T0, Token);
        var first = new ResourceRequest(1, 100L << 20, TimeSpan.FromMinutes(5));
        var second = new ResourceRequest(1, 150L << 20, null);
        var usage = new AttemptUsage(TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(1.25), TimeSpan.FromSeconds(0.5), 140L << 20);

        await store.ApplyAsync(
        [
            new AttemptStarted(id, run, 1, "local", "1", "h", 1, "/w/attempts/1", T0) { Resources = first },
            new AttemptEnded(id, 1, AttemptOutcome.OutOfMemory, null, "memory limit", T0.AddSeconds(1)),
            new AttemptStarted(id, run, 2, "local", "2", "h", 2, "/w/attempts/2", T0.AddSeconds(2)) { Resources = second },
            new AttemptEnded(id, 2, AttemptOutcome.Succeeded, 0, null, T0.AddSeconds(3)) { Usage = usage },
        ], Token);

        var attempts = (await store.GetTaskDetailsAsync(id, Token))!.Attempts;
        Assert.Equal(first, attempts[0].Resources);
        Assert.Null(attempts[0].Usage);
        Assert.Equal(second, attempts[1].Resources);
        Assert.Equal(usage, attempts[1].Usage);

        var failed = Assert.Single(await store.ListAttemptsAsync(new AttemptFilter { FailedOnly = true }, Token));
        Assert.Equal((id, "diamond", 1, AttemptOutcome.OutOfMemory), (failed.TaskId, failed.Workflow, failed.Attempt.Number, failed.Attempt.Outcome));
        Assert.Equal(Diamond().Tasks[0].Name, failed.Task);
        Assert.Equal(Diamond().Tasks[0].Template.Name, failed.Template);
        Assert.Equal(2, Assert.Single(await store.ListAttemptsAsync(new AttemptFilter { SucceededOnly = true, RunId = run }, Token)).Attempt.Number);
        Assert.Empty(await store.ListAttemptsAsync(new AttemptFilter { RunId = run + 1 }, Token));
        Assert.Empty(await store.ListAttemptsAsync(new AttemptFilter { Template = "no-such-template" }, Token));
        Assert.Equal(2, (await store.ListAttemptsAsync(new AttemptFilter { Workflow = "diamond" }, Token)).Count);
    }

    [Fact]
    public async Task A_running_attempt_has_no_end_and_the_last_exit_code_is_the_latest_attempts()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        await store.ApplyAsync(
        [
            new AttemptStarted(id, run, 1, "local", "1", "h", 1, "/a/1", T0),
            new AttemptEnded(id, 1, AttemptOutcome.Failed, 9, null, T0.AddSeconds(1)),
            new AttemptStarted(id, run, 2, "local", "2", "h", 2, "/a/2", T0.AddSeconds(2)),
        ], Token);

        var details = await store.GetTaskDetailsAsync(id, Token);
        Assert.NotNull(details);
        var running = details.Attempts[1];
        Assert.Null(running.EndedAt);
        Assert.Null(running.Outcome);
        Assert.Null(running.ExitCode);
        Assert.Null(details.Task.LastExitCode);
    }

    [Fact]
    public async Task The_attempt_count_changes_only_when_a_change_sets_it()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0, AttemptCount: 2),
            new TaskStateChanged(id, run, TaskState.Ready, TaskState.Waiting, FailureReason.None, null, T0),
        ], Token);

        var row = Assert.Single(await store.ListTasksAsync(new TaskFilter { NameOrIdentity = "prepare" }, Token));
        Assert.Equal(2, row.AttemptCount);
        Assert.Equal(TaskState.Waiting, row.State);
    }

    [Fact]
    public async Task A_batch_that_cannot_apply_changes_nothing()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
            new TaskStateChanged(long.MaxValue, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
        ], Token));
        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
            new AttemptEnded(id, 1, AttemptOutcome.Succeeded, 0, null, T0),
        ], Token));
        await store.ApplyAsync([new AttemptStarted(id, run, 1, "local", "1", "h", 1, "/a/1", T0)], Token);
        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await store.ApplyAsync(
        [
            new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
            new AttemptStarted(id, run, 1, "local", "again", "h", 1, "/a/1", T0),
        ], Token));

        var details = await store.GetTaskDetailsAsync(id, Token);
        Assert.NotNull(details);
        Assert.Equal(TaskState.Waiting, details.Task.State);
        Assert.Single(details.History);
        Assert.Equal("1", Assert.Single(details.Attempts).ExecutorId);
    }

    [Fact]
    public async Task An_empty_batch_is_nothing_to_do()
    {
        await using var store = await OpenAsync();
        await store.ApplyAsync([], Token);
    }

    // ---- listing ----

    private static async Task<(WorkflowRegistration Sweep, WorkflowRegistration Eval)> RegisterForFiltersAsync(IBatonStore store)
    {
        var sweep = new TestGraphBuilder("sweep")
            .Task("train-1", value: "1", template: "train", tags: ["gpu"])
            .Task("train-10", value: "10", template: "train", tags: ["gpu-large"])
            .Task("eval-1", value: "1", template: "eval", after: ["train-1"], tags: ["cpu", "gpu"])
            .Build();
        var eval = new TestGraphBuilder("report")
            .Task("summary", value: "s", template: "report")
            .Task("eval-again", value: "1", template: "eval", after: ["summary"])
            .Build();
        var first = await RegisterAsync(store, sweep);
        var second = await RegisterAsync(store, eval);
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);
        await store.ApplyAsync(
            [new TaskStateChanged(first.TaskIds[1], run, TaskState.Waiting, TaskState.Failed, FailureReason.UpstreamFailed, null, T0)],
            Token);
        return (first, second);
    }

    [Fact]
    public async Task List_without_a_filter_gives_every_task_of_every_workflow_in_declaration_order()
    {
        await using var store = await OpenAsync();
        var (sweep, report) = await RegisterForFiltersAsync(store);

        var rows = await store.ListTasksAsync(new TaskFilter(), Token);

        Assert.Equal(["sweep", "sweep", "sweep", "report", "report"], rows.Select(r => r.Workflow));
        Assert.Equal(["train-1", "train-10", "eval-1", "summary", "eval-again"], rows.Select(r => r.Name));
        // eval-1 and eval-again are one task (same template and value), listed once per workflow.
        Assert.Equal(sweep.TaskIds[2], report.TaskIds[1]);
        Assert.Equal(rows[2].TaskId, rows[4].TaskId);
        Assert.Equal(rows[2].Identity, rows[4].Identity);
        Assert.Equal(["cpu", "gpu"], rows[2].Tags);
        Assert.Empty(rows[4].Tags);
        Assert.Equal(TaskState.Done, rows[0].State);
        Assert.Equal(0, rows[0].LastExitCode);
        Assert.Equal(TaskState.Failed, rows[1].State);
        Assert.Equal(FailureReason.UpstreamFailed, rows[1].Reason);
    }

    [Fact]
    public async Task List_filters_by_workflow_state_and_template()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        async Task<string[]> Names(TaskFilter filter) =>
            [.. (await store.ListTasksAsync(filter, Token)).Select(r => $"{r.Workflow}/{r.Name}")];

        Assert.Equal(["report/summary", "report/eval-again"], await Names(new TaskFilter { Workflow = "report" }));
        Assert.Empty(await Names(new TaskFilter { Workflow = "nope" }));
        Assert.Equal(["sweep/train-1"], await Names(new TaskFilter { States = [TaskState.Done] }));
        Assert.Equal(["sweep/train-1", "sweep/train-10"], await Names(new TaskFilter { States = [TaskState.Failed, TaskState.Done] }));
        Assert.Empty(await Names(new TaskFilter { States = [] }));
        Assert.Equal(["sweep/eval-1", "report/eval-again"], await Names(new TaskFilter { Template = "eval" }));
        Assert.Equal(["sweep/eval-1"], await Names(new TaskFilter { Template = "eval", Workflow = "sweep", States = [TaskState.Waiting] }));
    }

    [Fact]
    public async Task List_filters_by_exact_tag()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        async Task<string[]> Names(string tag) =>
            [.. (await store.ListTasksAsync(new TaskFilter { Tag = tag }, Token)).Select(r => r.Name)];

        Assert.Equal(["train-1", "eval-1"], await Names("gpu"));
        Assert.Equal(["train-10"], await Names("gpu-large"));
        Assert.Empty(await Names("gp"));
        Assert.Empty(await Names("large"));
        Assert.Empty(await Names("\"gpu\""));
    }

    [Fact]
    public async Task List_finds_a_task_by_exact_name_or_identity_prefix()
    {
        await using var store = await OpenAsync();
        var (sweep, _) = await RegisterForFiltersAsync(store);
        var identity = (await store.GetTaskDetailsAsync(sweep.TaskIds[1], Token))!.Task.Identity;

        async Task<string[]> Names(string text) =>
            [.. (await store.ListTasksAsync(new TaskFilter { NameOrIdentity = text }, Token)).Select(r => r.Name)];

        Assert.Equal(["train-1"], await Names("train-1"));
        Assert.Empty(await Names("train"));
        Assert.Equal(["train-10"], await Names(identity[..6]));
        Assert.Equal(["train-10"], await Names(identity[..4].ToUpperInvariant()));
        Assert.Equal(["train-10"], await Names(identity));
        Assert.Empty(await Names(identity[..3]));
        Assert.Empty(await Names(identity[..10] + "x"));
    }

    [Fact]
    public async Task List_stops_at_the_limit()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        var rows = await store.ListTasksAsync(new TaskFilter { Limit = 2 }, Token);

        Assert.Equal(["train-1", "train-10"], rows.Select(r => r.Name));
        Assert.Empty(await store.ListTasksAsync(new TaskFilter { Limit = 0 }, Token));
    }

    [Fact]
    public async Task Details_of_an_unknown_task_are_null()
    {
        await using var store = await OpenAsync();
        await RegisterAsync(store, Diamond());

        Assert.Null(await store.GetTaskDetailsAsync(long.MaxValue, Token));
    }

    [Fact]
    public async Task Workflow_versions_are_listed_and_tasks_filter_by_workflow_version_and_attribute()
    {
        await using var store = await OpenAsync();
        var v1 = await RegisterAsync(store, Diamond("w"));
        var changed = new TestGraphBuilder("w").Task("prepare").Task("other", after: ["prepare"]).Build();
        var v2 = await RegisterAsync(store, changed);

        var versions = await store.ListWorkflowsAsync("w", Token);

        Assert.Equal([v1.WorkflowId, v2.WorkflowId], versions.Select(w => w.WorkflowId));
        Assert.Equal([Diamond("w").DagHash, changed.DagHash], versions.Select(w => w.DagHash));
        Assert.Empty(await store.ListWorkflowsAsync("nope", Token));
        Assert.Equal(4, (await store.ListTasksAsync(new TaskFilter { WorkflowId = v1.WorkflowId }, Token)).Count);
        Assert.Equal(["prepare", "other"], (await store.ListTasksAsync(new TaskFilter { WorkflowId = v2.WorkflowId }, Token)).Select(t => t.Name));
        Assert.Equal(6, (await store.ListTasksAsync(new TaskFilter { Workflow = "w" }, Token)).Count);
        Assert.Empty(await store.ListTasksAsync(new TaskFilter { Attribute = new("owner", "alice") }, Token));
        var tagged = new TestGraphBuilder("t").Task("x", attributes: new Dictionary<string, string> { ["owner"] = "alice" }).Task("y").Build();
        await RegisterAsync(store, tagged);
        Assert.Equal(["x"], (await store.ListTasksAsync(new TaskFilter { Attribute = new("owner", "alice") }, Token)).Select(t => t.Name));
    }

    // ---- runs ----

    [Fact]
    public async Task Runs_are_listed_newest_first_with_their_status()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var b = await RegisterAsync(store, Diamond("b"));
        var first = await store.StartRunAsync(a.WorkflowId, "host-1", 100, T0, Token);
        var second = await store.StartRunAsync(b.WorkflowId, "host-2", 200, T0.AddMinutes(1), Token);
        var third = await store.StartRunAsync(a.WorkflowId, "host-1", 300, T0.AddMinutes(2), Token);
        await store.FinishRunAsync(first, RunStatus.Failed, T0.AddMinutes(3), Token);
        await store.FinishRunAsync(second, RunStatus.Done, T0.AddMinutes(4), Token);

        var runs = await store.ListRunsAsync(null, Token);

        var (fileA, fileB, dag) = (Diamond("a").SourceFile, Diamond("b").SourceFile, Diamond("a").DagHash);
        Assert.Equal(
        [
            new RunRow(third, a.WorkflowId, "a", RunStatus.Running, T0.AddMinutes(2), null, "host-1", 300) { SourceFile = fileA, DagHash = dag },
            new RunRow(second, b.WorkflowId, "b", RunStatus.Done, T0.AddMinutes(1), T0.AddMinutes(4), "host-2", 200) { SourceFile = fileB, DagHash = dag },
            new RunRow(first, a.WorkflowId, "a", RunStatus.Failed, T0, T0.AddMinutes(3), "host-1", 100) { SourceFile = fileA, DagHash = dag },
        ], runs);
        Assert.Equal([third, first], (await store.ListRunsAsync("a", Token)).Select(r => r.RunId));
        Assert.Empty(await store.ListRunsAsync("c", Token));
    }

    [Fact]
    public async Task An_interrupted_run_is_listed_as_interrupted()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var run = await store.StartRunAsync(a.WorkflowId, "h", 1, T0, Token);

        await store.FinishRunAsync(run, RunStatus.Interrupted, T0.AddSeconds(1), Token);

        Assert.Equal(RunStatus.Interrupted, Assert.Single(await store.ListRunsAsync(null, Token)).Status);
    }

    // ---- lifetime ----

    [Fact]
    public async Task Everything_is_there_after_the_store_is_opened_again()
    {
        WorkflowRegistration first;
        await using (var store = await OpenAsync())
        {
            first = await RegisterAsync(store, Diamond());
            var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
            await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);
        }

        await using var reopened = await OpenAsync();
        var again = await RegisterAsync(reopened, Diamond());

        Assert.False(again.Created);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(TaskState.Done, again.States[0]);
        Assert.Single(await reopened.ListRunsAsync(null, Token));
    }

    [Fact]
    public async Task A_disposed_store_refuses_work_and_may_be_disposed_again()
    {
        var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
            await store.ApplyAsync([new TaskStateChanged(registration.TaskIds[0], 1, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)], Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ListTasksAsync(new TaskFilter(), Token));
        await store.DisposeAsync();
    }

    [Fact]
    public async Task A_cancelled_call_changes_nothing()
    {
        await using var store = await OpenAsync();
        var graph = Diamond();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, cancelled.Token));
        Assert.Empty(await store.ListTasksAsync(new TaskFilter(), Token));

        var registration = await RegisterAsync(store, graph);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ApplyAsync(
            [new TaskStateChanged(registration.TaskIds[0], 1, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)],
            cancelled.Token));
        Assert.All(await store.ListTasksAsync(new TaskFilter(), Token), r => Assert.Equal(TaskState.Waiting, r.State));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_in_one_process_do_not_interfere()
    {
        await using var store = await OpenAsync();
        var graph = TestGraphs.Large(200, "concurrent");
        var registration = await RegisterAsync(store, graph);
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        var writers = registration.TaskIds.Chunk(20).Select(ids => Task.Run(async () =>
        {
            foreach (var id in ids)
            {
                await store.ApplyAsync(RunToDone(id, run, T0), Token);
            }
        }, Token));
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(200, (await store.ListTasksAsync(new TaskFilter(), Token)).Count);
            }
        }, Token));
        await Task.WhenAll(writers.Concat(readers));

        var rows = await store.ListTasksAsync(new TaskFilter(), Token);
        Assert.All(rows, r => Assert.Equal(TaskState.Done, r.State));
    }

    // ---- task claims ----

    [Fact]
    public async Task A_task_is_claimed_by_the_first_run_and_the_second_sees_who_holds_it_and_its_state()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run1 = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var run2 = await store.StartRunAsync(registration.WorkflowId, "h", 2, T0, Token);
        var first = new ClaimOwner(run1, "h", 1, 100);
        var second = new ClaimOwner(run2, "h", 2, 200);
        var ids = registration.TaskIds;

        var claimed = await store.ClaimTasksAsync(first, ids[..2], [], T0, Token);
        await store.ApplyAsync(RunToDone(ids[0], run1, T0), Token);
        var seen = await store.ClaimTasksAsync(second, ids, [], T0, Token);

        Assert.All(claimed, c => Assert.Equal(first, c.Owner));
        Assert.Equal(4, seen.Count);
        var byTask = seen.ToDictionary(c => c.TaskId);
        Assert.Equal(first, byTask[ids[0]].Owner);
        Assert.Equal(TaskState.Done, byTask[ids[0]].State);
        Assert.Equal(1, byTask[ids[0]].LastAttemptNumber);
        Assert.Equal(first, byTask[ids[1]].Owner);
        Assert.Equal(second, byTask[ids[2]].Owner);
        Assert.Equal(second, byTask[ids[3]].Owner);
    }

    [Fact]
    public async Task Claims_of_a_dead_owner_are_taken_over_and_a_released_run_holds_nothing()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run1 = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var run2 = await store.StartRunAsync(registration.WorkflowId, "h", 2, T0, Token);
        var dead = new ClaimOwner(run1, "h", 1, 100);
        var alive = new ClaimOwner(run2, "h", 2, 200);
        var ids = registration.TaskIds;
        await store.ClaimTasksAsync(dead, ids, [], T0, Token);

        // A claim is dropped only for exactly the owner named dead: another process with the same pid is not it.
        var notThatOne = await store.ClaimTasksAsync(alive, ids, [dead with { StartTime = 999 }], T0, Token);
        var takenOver = await store.ClaimTasksAsync(alive, ids, [dead], T0, Token);
        await store.ReleaseClaimsAsync(run2, Token);
        var afterRelease = await store.ClaimTasksAsync(dead with { RunId = run1 }, ids[..1], [], T0, Token);

        Assert.All(notThatOne, c => Assert.Equal(dead, c.Owner));
        Assert.All(takenOver, c => Assert.Equal(alive, c.Owner));
        Assert.Equal(dead, Assert.Single(afterRelease).Owner);
    }
}
