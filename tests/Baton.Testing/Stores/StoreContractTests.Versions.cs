using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Workflow versions (a changed DAG under one name and args) and removing tasks.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task A_changed_dag_is_the_workflows_next_version_and_listings_can_keep_to_current_versions()
    {
        await using var store = await OpenAsync();
        var first = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Task("b").Task("c").Build());
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync([.. RunToDone(first.TaskIds[0], run, T0), .. RunToDone(first.TaskIds[1], run, T0)], Token);

        var second = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Task("b").Task("d").Build(), T0.AddDays(1));

        Assert.Equal(1, first.Version);
        Assert.Null(first.Change);
        Assert.Equal(2, second.Version);
        Assert.Equal(new WorkflowVersionChange(2, 1, Added: 1, Removed: 1, DoneReused: 2), second.Change);
        var current = await store.ListTasksAsync(new TaskFilter { Workflow = "wf", CurrentVersionsOnly = true }, Token);
        Assert.Equal(["a", "b", "d"], current.Select(t => t.Name));
        Assert.Contains("c", (await store.ListTasksAsync(new TaskFilter { Workflow = "wf" }, Token)).Select(t => t.Name));
        var versions = await store.ListWorkflowsAsync("wf", Token);
        Assert.Equal([(1, false), (2, true)], versions.Select(w => (w.Version, w.Current)));

        // The first file again: its version is current again, and registering it once more changes nothing.
        var back = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Task("b").Task("c").Build(), T0.AddDays(2));
        Assert.Equal(first.WorkflowId, back.WorkflowId);
        Assert.Equal(new WorkflowVersionChange(1, 2, Added: 1, Removed: 1, DoneReused: 2), back.Change);
        Assert.Null((await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Task("b").Task("c").Build(), T0.AddDays(3))).Change);
        Assert.Equal([true, false], (await store.ListWorkflowsAsync("wf", Token)).Select(w => w.Current));
    }

    [Fact]
    public async Task An_attempts_argv_is_kept_exactly()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, new TestGraphBuilder("wf").Task("a").Build());
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        string[] argv = ["sh", "-c", "echo \"$1\"; exit 0", "sh", "a b\tc 'd' ✓"];
        await store.ApplyAsync(
        [
            new AttemptStarted(registration.TaskIds[0], run, 1, "local", "1", "h", 1, "/w/a/attempts/1", T0) { Argv = argv },
            new AttemptStarted(registration.TaskIds[0], run, 2, "local", "2", "h", 2, "/w/a/attempts/2", T0),
        ], Token);

        var attempts = (await store.GetTaskDetailsAsync(registration.TaskIds[0], Token))!.Attempts;

        Assert.Equal(argv, attempts[0].Argv);
        Assert.Null(attempts[1].Argv);
    }

    [Fact]
    public async Task Removing_tasks_deletes_them_with_their_records_except_a_claimed_one()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(registration.TaskIds[0], run, T0), Token);
        var owner = new ClaimOwner(run, "h", 1, 42);
        await store.ClaimTasksAsync(owner, [registration.TaskIds[3]], [], T0, Token);

        var removed = await store.RemoveTasksAsync([registration.TaskIds[0], registration.TaskIds[1], registration.TaskIds[3]], Token);

        Assert.Equal([registration.TaskIds[0], registration.TaskIds[1]], removed.Order());
        Assert.Null(await store.GetTaskDetailsAsync(registration.TaskIds[0], Token));
        Assert.Equal(["right", "merge"], (await store.ListTasksAsync(new TaskFilter { Workflow = "diamond" }, Token)).Select(t => t.Name));
        var merge = await store.GetTaskDetailsAsync(registration.TaskIds[3], Token);
        Assert.NotNull(merge);
        Assert.Equal(["right"], merge.Upstream.Select(l => l.Name));
        Assert.Empty(await store.ListAttemptsAsync(new AttemptFilter { Workflow = "diamond" }, Token));
        Assert.Equal(TaskState.Waiting, merge.Task.State);
    }
}
