using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>State changes are compare-and-set: a change from a state the task is no longer in writes nothing and is reported.</summary>
public abstract partial class StoreContractTests
{
    private static TaskStateChanged Move(long taskId, long runId, TaskState from, TaskState to, DateTimeOffset at, string? message = null) =>
        new(taskId, runId, from, to, FailureReason.None, message, at);

    [Fact]
    public async Task A_state_change_from_a_state_the_task_has_left_writes_nothing_and_is_reported()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var hit = await store.ApplyAsync([Move(id, run, TaskState.Waiting, TaskState.Ready, T0.AddSeconds(1))], Token);
        var latest = await store.LatestEventSequenceAsync(Token);

        var late = Move(id, run, TaskState.Waiting, TaskState.Killed, T0.AddSeconds(2), "late");
        var result = await store.ApplyAsync([late], Token);

        Assert.Empty(hit.Missed);
        Assert.Equal(new MissedChange(late, TaskState.Ready), Assert.Single(result.Missed));
        Assert.Empty(result.Events);
        Assert.Equal(latest, await store.LatestEventSequenceAsync(Token));
        var details = await store.GetTaskDetailsAsync(id, Token);
        Assert.NotNull(details);
        Assert.Equal(TaskState.Ready, details.Task.State);
        Assert.Equal(T0.AddSeconds(1), details.Task.UpdatedAt);
        Assert.Equal([TaskState.Waiting, TaskState.Ready], details.History.Select(h => h.State));
    }

    [Fact]
    public async Task A_missed_change_does_not_stop_the_rest_of_its_batch()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var (a, b) = (registration.TaskIds[0], registration.TaskIds[1]);
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        // Someone else killed a while it waited: this run's view of it is stale.
        await store.ApplyAsync([Move(a, 0, TaskState.Waiting, TaskState.Killed, T0)], Token);

        var stale = Move(a, run, TaskState.Waiting, TaskState.Ready, T0.AddSeconds(1));
        var staleNext = new TaskStateChanged(a, run, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, T0.AddSeconds(2), AttemptCount: 1);
        var result = await store.ApplyAsync(
        [
            stale,
            Move(b, run, TaskState.Waiting, TaskState.Ready, T0.AddSeconds(1)),
            staleNext,
            new AttemptStarted(a, run, 1, "local", "7", "h", 7, "/a/1", T0.AddSeconds(2)),
        ], Token);

        // Each stale change misses on its own; the other task's change and the attempt (a fact) are written.
        Assert.Equal([new MissedChange(stale, TaskState.Killed), new MissedChange(staleNext, TaskState.Killed)], result.Missed);
        Assert.Equal([(EventKind.TaskState, b), (EventKind.AttemptStarted, a)], result.Events.Select(e => (e.Kind, e.TaskId!.Value)));
        var rowA = (await store.GetTaskDetailsAsync(a, Token))!;
        Assert.Equal(TaskState.Killed, rowA.Task.State);
        Assert.Equal(0, rowA.Task.AttemptCount);
        Assert.Equal([TaskState.Waiting, TaskState.Killed], rowA.History.Select(h => h.State));
        Assert.Equal("7", Assert.Single(rowA.Attempts).ExecutorId);
        Assert.Equal(TaskState.Ready, (await store.GetTaskDetailsAsync(b, Token))!.Task.State);
    }

    [Fact]
    public async Task Changes_of_one_batch_see_the_states_earlier_changes_of_it_wrote()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var id = registration.TaskIds[0];
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        var result = await store.ApplyAsync(
        [
            Move(id, run, TaskState.Waiting, TaskState.Ready, T0),
            Move(id, run, TaskState.Ready, TaskState.Waiting, T0),
            Move(id, run, TaskState.Waiting, TaskState.Ready, T0),
            // Stale within the batch: the task is Ready by now.
            Move(id, run, TaskState.Waiting, TaskState.Failed, T0),
        ], Token);

        Assert.Equal(TaskState.Waiting, Assert.Single(result.Missed).Change.From);
        Assert.Equal(TaskState.Ready, Assert.Single(result.Missed).Actual);
        Assert.Equal([TaskState.Ready, TaskState.Waiting, TaskState.Ready], result.Events.Select(e => e.State!.Value));
        Assert.Equal(TaskState.Ready, (await store.GetTaskDetailsAsync(id, Token))!.Task.State);
    }
}
