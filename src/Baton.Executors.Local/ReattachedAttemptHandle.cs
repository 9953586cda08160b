using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Workspaces;

namespace Baton.Executors.Local;

/// <summary>
/// An attempt that an earlier orchestrator started, found again after a crash or a detach
/// (<see cref="LocalExecutor.ReattachAsync"/>). Its program is not this executor's: the supervisor that started
/// it (still alive, or gone) writes its exit.json. The handle follows the program by pid and start time until it
/// is gone, then takes its outcome from exit.json; it can kill the program's group and enforce the rest of its
/// runtime limit.
/// </summary>
public sealed class ReattachedAttemptHandle : IAttemptHandle
{
    // A program that is not our child gives no notification when it ends (a pidfd would, but one thread per
    // re-attached attempt or a second epoll loop is more than recovery needs): its pid is probed with backoff.
    private static readonly TimeSpan FirstProbeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestProbeDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestTimerDue = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly LocalExecutor _executor;
    private readonly AttemptRecord _record;
    private readonly string _exitFile;
    private readonly TaskCompletionSource<AttemptResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    // Guarded by _gate.
    private AttemptOutcome? _killOutcome;
    private ITimer? _runtimeTimer;

    internal ReattachedAttemptHandle(LocalExecutor executor, AttemptRecord record, ProcessIdentity? identity)
    {
        _executor = executor;
        _record = record;
        _exitFile = WorkspaceLayout.ExitFile(record.AttemptDirectory);
        Identity = identity;
        ExecutorId = identity?.ToString() ?? record.ExecutorId;
    }

    public string ExecutorId { get; }

    public string Host => _record.Host;

    public int? ProcessId => Identity?.ProcessId ?? _record.ProcessId;

    /// <summary>The program, when it could be identified (from the store's record or the attempt's pid file).</summary>
    public ProcessIdentity? Identity { get; }

    public DateTimeOffset StartedAt => _record.StartedAt;

    public Task<AttemptResult> Completion => _completion.Task;

    /// <summary>Starts following: completes at once from exit.json, or when the program is gone.</summary>
    internal void Follow()
    {
        if (TryEndFromRecord())
        {
            Log.Reattached(_executor.Logger, _record.TaskName, _record.Attempt, "it had ended");
            return;
        }
        if (Identity is not { } identity || !IsPresent(identity))
        {
            // Gone. The supervisor writes exit.json before it reaps, so a program that is gone and has no record
            // will never get one: the supervisor died, or the program never started.
            if (!TryEndFromRecord())
            {
                EndLost(Identity is { } id
                    ? $"its program (pid {id.ProcessId}) is gone and left no exit.json"
                    : "it has no exit.json and no process was recorded for it (it never started, or its supervisor died)");
            }
            return;
        }
        Log.Reattached(_executor.Logger, _record.TaskName, _record.Attempt, $"it still runs as pid {identity.ProcessId}");
        if (_record.Resources.Runtime is { } limit)
        {
            var due = _record.StartedAt + limit - _executor.Time.GetUtcNow();
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimerDue ? LongestTimerDue : due;
            lock (_gate)
            {
                _runtimeTimer = _executor.Time.CreateTimer(
                    static state => ((ReattachedAttemptHandle)state!).RequestKill(AttemptOutcome.TimedOut),
                    this, due, Timeout.InfiniteTimeSpan);
            }
        }
        _ = WatchAsync(identity);
    }

    public ValueTask KillAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RequestKill(AttemptOutcome.Killed);
        return ValueTask.CompletedTask;
    }

    private void RequestKill(AttemptOutcome outcome)
    {
        lock (_gate)
        {
            if (_completion.Task.IsCompleted || _killOutcome is not null || Identity is null)
            {
                return;
            }
            _killOutcome = outcome;
            _runtimeTimer?.Dispose();
            _runtimeTimer = null;
        }
        var identity = Identity.Value;
        Log.Killing(_executor.Logger, _record.TaskName, _record.Attempt, identity.ProcessId,
            outcome == AttemptOutcome.TimedOut ? $"runtime limit {_record.Resources.Runtime} reached" : "kill requested");
        _ = ProcessGroups.ClearAsync(identity.ProcessId, identity.StartTime, _executor.Options.KillGracePeriod, _executor.Time, 0, 0, _ => { });
    }

    private async Task WatchAsync(ProcessIdentity identity)
    {
        var delay = FirstProbeDelay;
        // Alive, or a zombie whose record is being written: wait until the pid is gone (reaped) or exit.json is there.
        while (IsPresent(identity) && !File.Exists(_exitFile))
        {
            await Task.Delay(delay, _executor.Time, CancellationToken.None).ConfigureAwait(false);
            delay = delay * 2 > LongestProbeDelay ? LongestProbeDelay : delay * 2;
        }
        AttemptOutcome? killed;
        lock (_gate)
        {
            killed = _killOutcome;
            _runtimeTimer?.Dispose();
            _runtimeTimer = null;
        }
        if (killed is { } outcome)
        {
            // Ours was the kill: the supervisor's record (an exit status of 143 or 137) does not say so; this one does.
            await ProcessGroups.ClearAsync(identity.ProcessId, identity.StartTime, _executor.Options.KillGracePeriod, _executor.Time,
                _executor.Time.GetTimestamp(), 0, _ => { }).ConfigureAwait(false);
            var now = _executor.Time.GetUtcNow();
            var message = outcome == AttemptOutcome.TimedOut ? $"runtime limit {_record.Resources.Runtime} reached" : "killed on request";
            try
            {
                ExitRecords.WriteAtomically(_exitFile, new ExitRecord { Outcome = outcome.ToWord(), Signal = Native.SIGTERM, EndedAt = now, Message = message });
            }
            catch (IOException e)
            {
                Log.RecordNotWritten(_executor.Logger, _record.TaskName, _record.Attempt, _exitFile, e.Message);
            }
            End(new AttemptResult(outcome, null, StartedAt, now, message));
            return;
        }
        if (!TryEndFromRecord())
        {
            EndLost($"its program (pid {identity.ProcessId}) ended without an exit.json (its supervisor died)");
        }
    }

    /// <summary>The program's pid still belongs to it: running, or ended and not yet reaped by its supervisor.</summary>
    private static bool IsPresent(ProcessIdentity identity) =>
        ProcessIdentity.TryGetStartTime(identity.ProcessId) == identity.StartTime;

    private bool TryEndFromRecord()
    {
        if (!ExitRecords.TryRead(_exitFile, out var record, out _))
        {
            return false;
        }
        End(record!.ToResult(StartedAt, _executor.Time.GetUtcNow()));
        return true;
    }

    private void EndLost(string reason)
    {
        Log.Lost(_executor.Logger, _record.TaskName, _record.Attempt, reason);
        var now = _executor.Time.GetUtcNow();
        try
        {
            // The next reader (a later re-attach, a person) sees the same verdict.
            ExitRecords.WriteAtomically(_exitFile, new ExitRecord { Outcome = AttemptOutcome.Lost.ToWord(), EndedAt = now, Message = reason });
        }
        catch (IOException e)
        {
            Log.RecordNotWritten(_executor.Logger, _record.TaskName, _record.Attempt, _exitFile, e.Message);
        }
        End(new AttemptResult(AttemptOutcome.Lost, null, StartedAt, now, reason));
    }

    private void End(AttemptResult result)
    {
        lock (_gate)
        {
            _runtimeTimer?.Dispose();
            _runtimeTimer = null;
        }
        _completion.TrySetResult(result);
    }
}
