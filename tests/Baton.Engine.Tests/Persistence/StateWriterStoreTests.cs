using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Events;
using Baton.Engine.Persistence;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Baton.Testing.Graphs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Tests.Persistence;

/// <summary>The state writer over a real SQLite store: compare-and-set misses are counted, not fatal; events reach the hub.</summary>
public sealed class StateWriterStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("baton-writer-");
    private SqliteStore _store = null!;
    private WorkflowRegistration _workflow = null!;
    private long _run;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(_directory.Combine("baton.db"), cancellationToken: Token);
        var graph = new TestGraphBuilder("wf").Task("a").Task("b").Build();
        _workflow = await _store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);
        _run = await _store.StartRunAsync(_workflow.WorkflowId, "h", 1, T0, Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_change_from_a_stale_state_is_counted_and_the_writer_goes_on()
    {
        var hub = new EventHub(_store);
        await using var subscription = hub.SubscribeAsync(0, new EventFilter { TaskId = _workflow.TaskIds[1] }, Token).GetAsyncEnumerator(Token);
        var next = subscription.MoveNextAsync();
        // Someone else killed task a: the writer's view of it is stale.
        await _store.ApplyAsync([new TaskStateChanged(_workflow.TaskIds[0], 0, TaskState.Waiting, TaskState.Killed, FailureReason.None, null, T0)], Token);

        var writer = new StateWriter(_store, NullLogger.Instance, hub);
        writer.Write(new TaskStateChanged(_workflow.TaskIds[0], _run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0));
        writer.Write(new TaskStateChanged(_workflow.TaskIds[1], _run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0));
        await writer.DisposeAsync();

        Assert.Equal(1, writer.Missed);
        Assert.True(await next);
        Assert.Equal((EventKind.TaskState, TaskState.Ready), (subscription.Current.Kind, subscription.Current.State!.Value));
        var states = (await _store.ListTasksAsync(new TaskFilter(), Token)).Select(r => r.State);
        Assert.Equal([TaskState.Killed, TaskState.Ready], states);
    }
}
