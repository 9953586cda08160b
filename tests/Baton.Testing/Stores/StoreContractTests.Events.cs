using System.Text.Json;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Committed events: appended with their change, numbered in commit order, read back after a sequence number.</summary>
public abstract partial class StoreContractTests
{
    /// <summary>Every event in the store, read in small pages so that paging by sequence is exercised too.</summary>
    protected static async Task<List<StoredEvent>> ReadAllEventsAsync(IBatonStore store, EventFilter? filter = null)
    {
        var all = new List<StoredEvent>();
        while (true)
        {
            var page = await store.ReadEventsAsync(all.Count > 0 ? all[^1].Sequence : 0, 3, filter, Token);
            all.AddRange(page);
            if (page.Count < 3)
            {
                return all;
            }
        }
    }

    private static JsonElement Json(StoredEvent stored) => JsonDocument.Parse(stored.Payload).RootElement;

    [Fact]
    public async Task A_store_without_events_has_latest_sequence_zero_and_reads_nothing()
    {
        await using var store = await OpenAsync();
        await RegisterAsync(store, Diamond());

        Assert.Equal(0, await store.LatestEventSequenceAsync(Token));
        Assert.Empty(await store.ReadEventsAsync(0, 10, null, Token));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () => await store.ReadEventsAsync(0, 0, null, Token));
    }

    [Fact]
    public async Task Every_committed_change_appends_one_event_in_batch_order_with_consecutive_numbers()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "host-a", 4242, T0, Token);
        var at = T0.AddMinutes(1);

        var result = await store.ApplyAsync(RunToDone(id, run, at), Token);
        await store.FinishRunAsync(run, RunStatus.Done, at.AddSeconds(4), Token);

        var events = await ReadAllEventsAsync(store);
        Assert.Equal(
            [EventKind.RunStarted, EventKind.TaskState, EventKind.TaskState, EventKind.AttemptStarted, EventKind.TaskState, EventKind.AttemptEnded, EventKind.TaskState, EventKind.RunEnded],
            events.Select(e => e.Kind));
        // Contiguous within the batch; after the run's start and before its end.
        Assert.Equal(Enumerable.Range(0, 6).Select(i => result.Events[0].Sequence + i), result.Events.Select(e => e.Sequence));
        Assert.Equal(result.Events, events[1..7]);
        Assert.True(events[0].Sequence < events[1].Sequence && events[6].Sequence < events[7].Sequence);
        Assert.Equal(events[^1].Sequence, await store.LatestEventSequenceAsync(Token));
        Assert.All(events, e => Assert.Equal((run, registration.WorkflowId), (e.RunId, e.WorkflowId)));

        Assert.Equal(new StoredEvent(events[0].Sequence, EventKind.RunStarted, T0) { RunId = run, WorkflowId = registration.WorkflowId, Payload = events[0].Payload }, events[0]);
        Assert.Equal(("host-a", 4242), (Json(events[0]).GetProperty("host").GetString(), Json(events[0]).GetProperty("pid").GetInt32()));
        Assert.Equal([TaskState.Ready, TaskState.Submitted, TaskState.Running, TaskState.Done], events.Where(e => e.Kind == EventKind.TaskState).Select(e => e.State!.Value));
        Assert.All(events[1..7], e => Assert.Equal(id, e.TaskId));
        var submitted = events[2];
        Assert.Equal(at.AddSeconds(1), submitted.At);
        Assert.Equal("ready", Json(submitted).GetProperty("from").GetString());
        Assert.Equal(1, Json(submitted).GetProperty("attemptCount").GetInt32());
        var started = events[3];
        Assert.Equal((1, (AttemptOutcome?)null, (TaskState?)null), (started.Attempt!.Value, started.Outcome, started.State));
        Assert.Equal("4242", Json(started).GetProperty("executorId").GetString());
        Assert.Equal("/workspace/a/attempts/1", Json(started).GetProperty("directory").GetString());
        var ended = events[5];
        Assert.Equal((1, AttemptOutcome.Succeeded, at.AddSeconds(3)), (ended.Attempt!.Value, ended.Outcome!.Value, ended.At));
        Assert.Equal(0, Json(ended).GetProperty("exitCode").GetInt32());
        Assert.Equal((RunStatus.Done, at.AddSeconds(4), (long?)null), (events[7].RunStatus!.Value, events[7].At, events[7].TaskId));
    }

    [Fact]
    public async Task A_failure_keeps_its_reason_and_message_in_the_event()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[1];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        var result = await store.ApplyAsync(
            [new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Failed, FailureReason.UpstreamFailed, "upstream 'prepare' failed", T0)], Token);

        var failed = Assert.Single(result.Events);
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal("waiting", Json(failed).GetProperty("from").GetString());
        Assert.Equal(FailureReason.UpstreamFailed.ToWord(), Json(failed).GetProperty("reason").GetString());
        Assert.Equal("upstream 'prepare' failed", Json(failed).GetProperty("message").GetString());
        Assert.False(Json(failed).TryGetProperty("attemptCount", out _));
    }

    [Fact]
    public async Task A_change_made_outside_a_run_names_no_run_and_the_workflow_it_was_made_for()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());

        var result = await store.ApplyAsync(
            [new TaskStateChanged(registration.TaskIds[0], 0, TaskState.Waiting, TaskState.Killed, FailureReason.None, "killed", T0) { WorkflowId = registration.WorkflowId }], Token);

        var killed = Assert.Single(result.Events);
        Assert.Null(killed.RunId);
        Assert.Equal(registration.WorkflowId, killed.WorkflowId);
        Assert.Equal(TaskState.Killed, killed.State);
        Assert.Null(Assert.Single((await store.GetTaskDetailsAsync(registration.TaskIds[0], Token))!.History, h => h.State == TaskState.Killed).RunId);
    }

    [Fact]
    public async Task The_end_of_an_attempt_recorded_by_a_later_run_names_the_run_that_started_it()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var first = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync([new AttemptStarted(id, first, 1, "local", "1", "h", 1, "/a/1", T0)], Token);
        var second = await store.StartRunAsync(registration.WorkflowId, "h", 2, T0.AddMinutes(1), Token);

        var result = await store.ApplyAsync([new AttemptEnded(id, 1, AttemptOutcome.Failed, 3, "boom", T0.AddMinutes(2))], Token);

        var ended = Assert.Single(result.Events);
        Assert.Equal((first, registration.WorkflowId, id, 1), (ended.RunId!.Value, ended.WorkflowId!.Value, ended.TaskId!.Value, ended.Attempt!.Value));
        Assert.NotEqual(first, second);
        Assert.Equal("boom", Json(ended).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_batch_that_cannot_apply_appends_no_event()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var latest = await store.LatestEventSequenceAsync(Token);

        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await store.ApplyAsync(
        [
            Move(registration.TaskIds[0], run, TaskState.Waiting, TaskState.Ready, T0),
            new AttemptEnded(registration.TaskIds[0], 9, AttemptOutcome.Succeeded, 0, null, T0),
        ], Token));

        Assert.Equal(latest, await store.LatestEventSequenceAsync(Token));
        Assert.Empty(await store.ReadEventsAsync(latest, 10, null, Token));
        // The next committed event follows the last one: the failed batch left no hole.
        var next = await store.ApplyAsync([Move(registration.TaskIds[0], run, TaskState.Waiting, TaskState.Ready, T0)], Token);
        Assert.Equal(latest + 1, Assert.Single(next.Events).Sequence);
    }

    [Fact]
    public async Task Events_are_read_after_a_sequence_number_and_filtered_by_run_workflow_and_task()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var b = await RegisterAsync(store, new TestGraphBuilder("b").Task("x", value: "bx").Task("y", value: "by", after: ["x"]).Build());
        var runA = await store.StartRunAsync(a.WorkflowId, "h", 1, T0, Token);
        var runB = await store.StartRunAsync(b.WorkflowId, "h", 2, T0, Token);
        await store.ApplyAsync([.. RunToDone(a.TaskIds[0], runA, T0), .. RunToDone(b.TaskIds[0], runB, T0)], Token);
        await store.ApplyAsync(RunToDone(a.TaskIds[1], runA, T0), Token);

        var all = await ReadAllEventsAsync(store);
        Assert.Equal(2 + 6 * 3, all.Count);
        Assert.Equal(all.Select(e => e.Sequence).Order(), all.Select(e => e.Sequence));
        Assert.Equal(all[5..], await store.ReadEventsAsync(all[4].Sequence, 100, null, Token));
        Assert.Equal(all[5..7], await store.ReadEventsAsync(all[4].Sequence, 2, null, Token));
        Assert.Empty(await store.ReadEventsAsync(all[^1].Sequence, 100, null, Token));

        var ofRunB = await ReadAllEventsAsync(store, new EventFilter { RunId = runB });
        Assert.Equal(all.Where(e => e.RunId == runB), ofRunB);
        Assert.Equal(7, ofRunB.Count);
        Assert.Equal(all.Where(e => e.WorkflowId == a.WorkflowId), await ReadAllEventsAsync(store, new EventFilter { WorkflowId = a.WorkflowId }));
        var ofTask = await ReadAllEventsAsync(store, new EventFilter { TaskId = a.TaskIds[1] });
        Assert.Equal(6, ofTask.Count);
        Assert.Equal(all.Where(e => e.TaskId == a.TaskIds[1]), ofTask);
        Assert.Equal(ofTask[3..], await store.ReadEventsAsync(ofTask[2].Sequence, 100, new EventFilter { TaskId = a.TaskIds[1], RunId = runA }, Token));
        Assert.Empty(await store.ReadEventsAsync(0, 100, new EventFilter { TaskId = a.TaskIds[1], RunId = runB }, Token));
        // The filter a live subscription applies in memory says the same as the store.
        var filter = new EventFilter { WorkflowId = b.WorkflowId };
        Assert.Equal(all.Where(filter.Matches), await ReadAllEventsAsync(store, filter));
    }

    [Fact]
    public async Task Events_of_concurrent_writers_are_numbered_in_commit_order()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, TestGraphs.Large(120, "concurrent-events"));
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        var committed = await Task.WhenAll(registration.TaskIds.Chunk(10).Select(ids => Task.Run(async () =>
        {
            var batches = new List<ApplyResult>();
            foreach (var id in ids)
            {
                batches.Add(await store.ApplyAsync(RunToDone(id, run, T0), Token));
            }
            return batches;
        }, Token)));

        var batches = committed.SelectMany(b => b).OrderBy(b => b.Events[0].Sequence).ToList();
        var all = await store.ReadEventsAsync(0, 10_000, new EventFilter { RunId = run }, Token);
        // Each batch is one block of consecutive numbers, and the blocks do not interleave.
        Assert.All(batches, b => Assert.Equal(Enumerable.Range(0, 6).Select(i => b.Events[0].Sequence + i), b.Events.Select(e => e.Sequence)));
        Assert.Equal(all.Skip(1), batches.SelectMany(b => b.Events));
        Assert.Equal(120 * 6 + 1, all.Count);
    }
}
