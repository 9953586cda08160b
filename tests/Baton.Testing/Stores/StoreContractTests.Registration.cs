using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Registering workflows and adding tasks to them.</summary>
public abstract partial class StoreContractTests
{
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
}
