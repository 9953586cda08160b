using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Events;
using Baton.Engine.Persistence;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Baton.Testing.Graphs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Tests.Events;

/// <summary>
/// The hub over a real SQLite store, fed by real <see cref="StateWriter"/>s: catch-up then live, no gap and no
/// duplicate while writers commit, a slow subscriber never blocks a writer.
/// </summary>
public sealed class EventHubTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("baton-hub-");
    private SqliteStore _store = null!;
    private WorkflowRegistration _workflow = null!;
    private long _run;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(_directory.Combine("baton.db"), cancellationToken: Token);
        var graph = TestGraphs.Large(400, "hub");
        _workflow = await _store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);
        _run = await _store.StartRunAsync(_workflow.WorkflowId, "h", 1, T0, Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Six changes, six events: one task from Waiting to Done.</summary>
    private static StoreChange[] RunToDone(long taskId, long runId) =>
    [
        new TaskStateChanged(taskId, runId, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
        new TaskStateChanged(taskId, runId, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, T0, AttemptCount: 1),
        new AttemptStarted(taskId, runId, 1, "local", "1", "h", 1, "/a/1", T0),
        new TaskStateChanged(taskId, runId, TaskState.Submitted, TaskState.Running, FailureReason.None, null, T0),
        new AttemptEnded(taskId, 1, AttemptOutcome.Succeeded, 0, null, T0),
        new TaskStateChanged(taskId, runId, TaskState.Running, TaskState.Done, FailureReason.None, null, T0),
    ];

    /// <summary>Writes tasks [from, to) to Done through a state writer that publishes to <paramref name="hub"/>.</summary>
    private async Task WriteAsync(EventHub hub, int from, int to, long? run = null)
    {
        var writer = new StateWriter(_store, NullLogger.Instance, hub);
        for (var t = from; t < to; t++)
        {
            foreach (var change in RunToDone(_workflow.TaskIds[t], run ?? _run))
            {
                writer.Write(change);
            }
        }
        await writer.DisposeAsync();
    }

    /// <summary>A last published event that subscribers recognise, so that they know they have everything before it.</summary>
    private async Task<long> WriteMarkerAsync(EventHub hub)
    {
        var writer = new StateWriter(_store, NullLogger.Instance, hub);
        writer.Write(new AttemptStarted(_workflow.TaskIds[^1], _run, 99, "local", "marker", "h", null, "/marker", T0));
        await writer.DisposeAsync();
        return await _store.LatestEventSequenceAsync(Token);
    }

    private static bool IsMarker(StoredEvent stored) => stored is { Kind: EventKind.AttemptStarted, Attempt: 99 };

    private static async Task<List<StoredEvent>> CollectUntilMarkerAsync(IAsyncEnumerable<StoredEvent> events, Action<int>? onReceived = null)
    {
        var received = new List<StoredEvent>();
        await foreach (var stored in events)
        {
            received.Add(stored);
            onReceived?.Invoke(received.Count);
            if (IsMarker(stored))
            {
                return received;
            }
        }
        return received;
    }

    private async Task AssertEveryEventOnceInOrderAsync(IReadOnlyList<StoredEvent> received, long after, EventFilter? filter = null)
    {
        var expected = await _store.ReadEventsAsync(after, 100_000, filter, Token);
        Assert.Equal(expected.Select(e => e.Sequence), received.Select(e => e.Sequence));
        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task A_subscriber_catches_up_from_the_store_then_follows_publications()
    {
        var hub = new EventHub(_store);
        // Committed before anyone listened, and never published.
        foreach (var t in Enumerable.Range(0, 5))
        {
            await _store.ApplyAsync(RunToDone(_workflow.TaskIds[t], _run), Token);
        }
        var after = (await _store.ReadEventsAsync(0, 10, null, Token))[^1].Sequence;

        await using var subscription = hub.SubscribeAsync(after, null, Token).GetAsyncEnumerator(Token);
        var received = new List<StoredEvent>();
        var caughtUp = await _store.LatestEventSequenceAsync(Token);
        while (received.Count == 0 || received[^1].Sequence < caughtUp)
        {
            Assert.True(await subscription.MoveNextAsync());
            received.Add(subscription.Current);
        }
        Assert.Equal(1, hub.SubscriberCount);
        await WriteAsync(hub, 5, 10);
        await WriteMarkerAsync(hub);
        while (!IsMarker(received[^1]))
        {
            Assert.True(await subscription.MoveNextAsync());
            received.Add(subscription.Current);
        }
        await subscription.DisposeAsync();

        await AssertEveryEventOnceInOrderAsync(received, after);
        Assert.Equal(5 * 6 + 5 * 6 + 1 + 1 - 10, received.Count);
        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribers_get_every_event_once_in_order_while_two_writers_publish_concurrently()
    {
        var hub = new EventHub(_store, options: new EventHubOptions { CatchUpPageSize = 50 });
        var midwayStarted = new TaskCompletionSource<Task<List<StoredEvent>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first subscriber is there from the start; the second joins while the writers are busy.
        var first = Task.Run(() => CollectUntilMarkerAsync(hub.SubscribeAsync(0, null, Token), count =>
        {
            if (count == 200)
            {
                midwayStarted.SetResult(Task.Run(() => CollectUntilMarkerAsync(hub.SubscribeAsync(0, null, Token)), Token));
            }
        }), Token);
        var filtered = Task.Run(() => CollectUntilMarkerAsync(hub.SubscribeAsync(0, new EventFilter { TaskId = _workflow.TaskIds[^1] }, Token)), Token);

        await Task.WhenAll(
            Task.Run(() => WriteAsync(hub, 0, 150), Token),
            Task.Run(() => WriteAsync(hub, 150, 300), Token));
        await WriteMarkerAsync(hub);

        var second = await await midwayStarted.Task;
        await AssertEveryEventOnceInOrderAsync(await first, 0);
        await AssertEveryEventOnceInOrderAsync(second, 0);
        Assert.Equal(300 * 6 + 2, second.Count);
        var onlyMarkerTask = await filtered;
        Assert.True(IsMarker(Assert.Single(onlyMarkerTask)));
    }

    [Fact]
    public async Task A_subscriber_that_does_not_read_never_blocks_the_writer_and_catches_up_from_the_store_later()
    {
        var hub = new EventHub(_store, options: new EventHubOptions { SubscriberCapacity = 4, CatchUpPageSize = 7 });
        await using var slow = hub.SubscribeAsync(0, null, Token).GetAsyncEnumerator(Token);
        Assert.True(await slow.MoveNextAsync());
        var received = new List<StoredEvent> { slow.Current };

        // Hundreds of events published to a subscriber that holds at most 4 and reads none: the writer finishes.
        await WriteAsync(hub, 0, 100);
        await WriteMarkerAsync(hub);
        while (!IsMarker(received[^1]))
        {
            Assert.True(await slow.MoveNextAsync());
            received.Add(slow.Current);
        }

        await AssertEveryEventOnceInOrderAsync(received, 0);
        Assert.Equal(100 * 6 + 2, received.Count);
    }

    [Fact]
    public async Task A_filtered_subscriber_sees_its_runs_events_and_the_runs_end_after_a_refresh()
    {
        var hub = new EventHub(_store);
        var other = await _store.StartRunAsync(_workflow.WorkflowId, "h", 2, T0, Token);
        var filter = new EventFilter { RunId = other };
        var subscription = Task.Run(async () =>
        {
            var received = new List<StoredEvent>();
            await foreach (var stored in hub.SubscribeAsync(0, filter, Token))
            {
                received.Add(stored);
                if (stored.Kind == EventKind.RunEnded)
                {
                    return received;
                }
            }
            return received;
        }, Token);

        await Task.WhenAll(
            Task.Run(() => WriteAsync(hub, 0, 20), Token),
            Task.Run(() => WriteAsync(hub, 20, 40, other), Token));
        // A run's end is committed outside any state writer: the hub is told to look.
        await _store.FinishRunAsync(other, RunStatus.Done, T0, Token);
        hub.Refresh();

        var events = await subscription;
        await AssertEveryEventOnceInOrderAsync(events, 0, filter);
        Assert.Equal(EventKind.RunStarted, events[0].Kind);
        Assert.Equal(RunStatus.Done, events[^1].RunStatus);
        Assert.All(events, e => Assert.Equal(other, e.RunId));
        Assert.Equal(20 * 6 + 2, events.Count);
    }

    [Fact]
    public async Task Publications_out_of_commit_order_and_commits_never_published_are_delivered_in_order_once()
    {
        var hub = new EventHub(_store);
        await using var subscription = hub.SubscribeAsync(0, null, Token).GetAsyncEnumerator(Token);
        Assert.True(await subscription.MoveNextAsync());
        Assert.Equal(EventKind.RunStarted, subscription.Current.Kind);
        var received = new List<StoredEvent> { subscription.Current };

        // Two writers' commits, published in the opposite order (each publishes after its own commit, so the
        // later commit may publish first); then a commit made by another process, never published here, and
        // one more publication after it.
        var earlier = await _store.ApplyAsync(RunToDone(_workflow.TaskIds[0], _run), Token);
        var later = await _store.ApplyAsync(RunToDone(_workflow.TaskIds[1], _run), Token);
        hub.Publish(later.Events);
        hub.Publish(earlier.Events);
        await _store.ApplyAsync(RunToDone(_workflow.TaskIds[2], _run), Token);
        await WriteMarkerAsync(hub);
        while (!IsMarker(received[^1]))
        {
            Assert.True(await subscription.MoveNextAsync());
            received.Add(subscription.Current);
        }

        await AssertEveryEventOnceInOrderAsync(received, 0);
        Assert.Equal(1 + 3 * 6 + 1, received.Count);
    }
}
