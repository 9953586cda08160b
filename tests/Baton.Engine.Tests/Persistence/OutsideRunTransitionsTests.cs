using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Events;
using Baton.Engine.Persistence;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Baton.Testing.Graphs;

namespace Baton.Engine.Tests.Persistence;

/// <summary>State changes made while no run drives the tasks (<c>baton kill</c> with no run) go through the lifecycle and compare-and-set.</summary>
public sealed class OutsideRunTransitionsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("baton-outside-");
    private SqliteStore _store = null!;
    private WorkflowRegistration _workflow = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(_directory.Combine("baton.db"), cancellationToken: Token);
        var graph = new TestGraphBuilder("wf").Task("a").Task("b").Task("c").Build();
        _workflow = await _store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private TaskMove Kill(int task, TaskState from) =>
        new(_workflow.TaskIds[task], _workflow.WorkflowId, $"t{task}", from, TaskState.Killed, "killed on request");

    private async Task<TaskState[]> StatesAsync() =>
        [.. (await _store.ListTasksAsync(new TaskFilter(), Token)).Select(r => r.State)];

    [Fact]
    public async Task Legal_moves_are_written_once_each_and_published_with_their_workflow()
    {
        var hub = new EventHub(_store);
        await using var subscription = hub.SubscribeAsync(0, null, Token).GetAsyncEnumerator(Token);
        var first = subscription.MoveNextAsync();

        var result = await OutsideRunTransitions.ApplyAsync(_store, [Kill(0, TaskState.Waiting), Kill(1, TaskState.Waiting), Kill(0, TaskState.Waiting)], T0, hub, Token);

        Assert.Empty(result.Missed);
        Assert.Equal([TaskState.Killed, TaskState.Killed, TaskState.Waiting], await StatesAsync());
        Assert.Equal(2, result.Events.Count);
        Assert.True(await first);
        Assert.Equal(result.Events[0], subscription.Current);
        Assert.All(result.Events, e => Assert.Equal((null, _workflow.WorkflowId, TaskState.Killed), (e.RunId, e.WorkflowId!.Value, e.State!.Value)));
    }

    [Fact]
    public async Task A_task_that_moved_since_it_was_read_is_left_as_the_store_has_it()
    {
        // A run took task b and made it ready after the caller read it as waiting.
        await _store.ApplyAsync([new TaskStateChanged(_workflow.TaskIds[1], 0, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)], Token);

        var result = await OutsideRunTransitions.ApplyAsync(_store, [Kill(0, TaskState.Waiting), Kill(1, TaskState.Waiting)], T0, null, Token);

        var missed = Assert.Single(result.Missed);
        Assert.Equal((_workflow.TaskIds[1], TaskState.Ready), (missed.Change.TaskId, missed.Actual));
        Assert.Equal([TaskState.Killed, TaskState.Ready, TaskState.Waiting], await StatesAsync());
    }

    [Fact]
    public async Task An_illegal_move_throws_before_anything_is_written_and_a_move_to_the_same_state_is_dropped()
    {
        var latest = await _store.LatestEventSequenceAsync(Token);

        var error = await Assert.ThrowsAsync<IllegalTransitionException>(async () =>
            await OutsideRunTransitions.ApplyAsync(_store, [Kill(0, TaskState.Waiting), Kill(1, TaskState.Done)], T0, null, Token));
        var nothing = await OutsideRunTransitions.ApplyAsync(_store, [Kill(2, TaskState.Killed)], T0, null, Token);

        Assert.Equal("task 't1': illegal transition done -> killed", error.Message);
        Assert.Same(ApplyResult.Empty, nothing);
        Assert.Equal([TaskState.Waiting, TaskState.Waiting, TaskState.Waiting], await StatesAsync());
        Assert.Equal(latest, await _store.LatestEventSequenceAsync(Token));
    }
}
