using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>Applying batches of changes: states, attempts, history.</summary>
public abstract partial class StoreContractTests
{
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
}
