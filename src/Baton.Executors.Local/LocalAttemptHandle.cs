using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;

namespace Baton.Executors.Local;

/// <summary>
/// One attempt started by the <see cref="LocalExecutor"/>: the program, which the supervisor process started
/// and watches, and which leads the attempt's session and process group (its pid is the group id).
/// </summary>
public sealed class LocalAttemptHandle : IAttemptHandle
{
    private static readonly TimeSpan LongestTimerDue = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly LocalExecutor _executor;
    private readonly SupervisorClient _supervisor;
    private readonly AttemptRequest _request;
    private readonly string _exitFile;
    // Completed by the supervisor's reader thread: continuations must never run there.
    private readonly TaskCompletionSource<IAttemptHandle> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<AttemptResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private ITimer? _runtimeTimer;
    private AttemptOutcome? _killOutcome;
    private string _killDetail = "";
    // Set once the supervisor died and the orchestrator adopted the program (AdoptedProgram): kills are sent directly.
    private bool _adopted;
    private bool _ended;
    // The largest resident memory of the whole process group the memory watcher saw (bytes).
    private long _sampledPeak;

    internal LocalAttemptHandle(LocalExecutor executor, SupervisorClient supervisor, AttemptRequest request, string attemptDirectory, string exitFile)
    {
        _executor = executor;
        _supervisor = supervisor;
        _request = request;
        _exitFile = exitFile;
        AttemptDirectory = attemptDirectory;
    }

    /// <summary>The program as "PID@STARTTIME" (<see cref="ProcessIdentity"/>): a reused pid is not the attempt.</summary>
    public string ExecutorId { get; private set; } = "";

    public string Host => _executor.Host;

    /// <summary>The program's pid.</summary>
    public int? ProcessId => ProcessGroupId;

    /// <summary>The attempt's process group (and session) id: the program's pid.</summary>
    public int ProcessGroupId { get; private set; }

    /// <summary>
    /// The program's start time in clock ticks since boot (<c>/proc/&lt;pid&gt;/stat</c> field 22): with the pid,
    /// it tells this attempt's program apart from a later process that reuses the pid.
    /// </summary>
    public long? ProcessStartTime { get; private set; }

    /// <summary>The program as pid + start time.</summary>
    public ProcessIdentity? Identity => ProcessStartTime is { } start ? new ProcessIdentity(ProcessGroupId, start) : null;

    /// <summary>The pid of the supervisor process that started the program and writes its exit.json.</summary>
    public int SupervisorProcessId => _supervisor.ProcessId;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Where stdout, stderr and exit.json are.</summary>
    public string AttemptDirectory { get; }

    public Task<AttemptResult> Completion => _completion.Task;

    /// <summary>The supervisor's id for this attempt, unique per supervisor.</summary>
    internal long Id { get; set; }

    /// <summary>Completes with this handle once the program runs, or faults with <see cref="ExecutorStartException"/>.</summary>
    internal Task<IAttemptHandle> Started => _started.Task;

    public ValueTask KillAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RequestKill(AttemptOutcome.Killed);
        return ValueTask.CompletedTask;
    }

    /// <summary>The memory limit (bytes) this attempt is held to; 0 for none.</summary>
    internal long MemoryLimit => _request.Resources.MemoryBytes;

    /// <summary>The memory watcher saw the process group resident at <paramref name="bytes"/>.</summary>
    internal void ObserveResident(long bytes)
    {
        var seen = Volatile.Read(ref _sampledPeak);
        while (bytes > seen)
        {
            var before = Interlocked.CompareExchange(ref _sampledPeak, bytes, seen);
            if (before == seen)
            {
                return;
            }
            seen = before;
        }
    }

    /// <summary>
    /// Asks the supervisor for SIGTERM to the whole group now and SIGKILL after the grace period; the first reason
    /// asked for wins. Sent even before the start is confirmed: the supervisor handles commands in order.
    /// </summary>
    internal void RequestKill(AttemptOutcome outcome, string? detail = null)
    {
        bool adopted;
        lock (_gate)
        {
            if (_ended || _killOutcome is not null)
            {
                return;
            }
            _killOutcome = outcome;
            _killDetail = detail ?? "";
            _runtimeTimer?.Dispose();
            _runtimeTimer = null;
            adopted = _adopted;
        }
        var timedOut = outcome == AttemptOutcome.TimedOut;
        Log.Killing(_executor.Logger, _request.TaskName, _request.Attempt, ProcessGroupId,
            timedOut ? $"runtime limit {_request.Resources.Runtime} reached" : detail ?? "kill requested");
        if (adopted)
        {
            KillAdoptedGroup();
            return;
        }
        _supervisor.SendKill(Id, outcome.ToWord(), timedOut ? string.Create(CultureInfo.InvariantCulture, $"{_request.Resources.Runtime}") : detail ?? "");
    }

    /// <summary>The supervisor started the program (reader thread).</summary>
    internal void OnStarted(int pid, long startTime)
    {
        ProcessGroupId = pid;
        ProcessStartTime = startTime;
        ExecutorId = new ProcessIdentity(pid, startTime).ToString();
        StartedAt = _executor.Time.GetUtcNow();
        if (_request.Resources.Runtime is { } limit)
        {
            var due = limit < TimeSpan.Zero ? TimeSpan.Zero : limit > LongestTimerDue ? LongestTimerDue : limit;
            lock (_gate)
            {
                if (!_ended && _killOutcome is null)
                {
                    _runtimeTimer = _executor.Time.CreateTimer(
                        static state => ((LocalAttemptHandle)state!).RequestKill(AttemptOutcome.TimedOut),
                        this, due, Timeout.InfiniteTimeSpan);
                }
            }
        }
        if (MemoryLimit > 0)
        {
            _executor.Memory.Watch(this);
        }
        Log.AttemptStarted(_executor.Logger, _request.TaskName, _request.Attempt, pid, _request.Argv[0]);
        _started.TrySetResult(this);
    }

    /// <summary>The supervisor could not start the program (reader thread).</summary>
    internal void OnStartFailed(string reason)
    {
        var message = $"cannot start attempt {_request.Attempt} of task {_request.TaskName} in '{_request.WorkingDirectory}' with output in '{AttemptDirectory}': {reason}";
        Log.StartFailed(_executor.Logger, _request.TaskName, _request.Attempt, message);
        var now = _executor.Time.GetUtcNow();
        End(new AttemptResult(AttemptOutcome.ExecutorFailed, null, now, now, message), logged: false);
        _started.TrySetException(new ExecutorStartException(message));
    }

    /// <summary>The program has ended, its exit.json is written and its group is empty (reader thread).</summary>
    internal void OnExited(ReadOnlySpan<byte> record)
    {
        var endedAt = _executor.Time.GetUtcNow();
        AttemptResult result;
        if (ExitRecords.TryParse(record, out var parsed, out var error))
        {
            result = WithMemory(parsed!.ToResult(StartedAt, endedAt), parsed.Usage?.MaxRssIsUpperBound ?? false);
        }
        else
        {
            var reason = $"the supervisor's record of the attempt {error}";
            Log.Lost(_executor.Logger, _request.TaskName, _request.Attempt, reason);
            result = new AttemptResult(AttemptOutcome.Lost, null, StartedAt, endedAt, reason);
        }
        End(result);
    }

    /// <summary>
    /// Completes the usage with the watcher's view (the kernel's ru_maxrss is the largest single process; the
    /// watcher sums the tree) and holds the attempt to its memory limit even when it ended between two checks:
    /// a peak past the limit is out of memory, as a cgroup would have made it.
    /// </summary>
    private AttemptResult WithMemory(AttemptResult result, bool kernelPeakIsUpperBound)
    {
        var sampled = Volatile.Read(ref _sampledPeak);
        // Only a figure known to be the attempt's own may find it past its limit.
        var known = Math.Max(sampled, kernelPeakIsUpperBound ? 0 : result.Usage?.PeakRssBytes ?? 0);
        if (result.Usage is { } usage && known > 0 && (kernelPeakIsUpperBound || known > usage.PeakRssBytes))
        {
            result = result with { Usage = usage with { PeakRssBytes = known } };
        }
        if (MemoryLimit > 0 && known > MemoryLimit && result.Outcome is AttemptOutcome.Succeeded or AttemptOutcome.Failed)
        {
            result = result with
            {
                Outcome = AttemptOutcome.OutOfMemory,
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"memory limit {ResourceParser.FormatMemory(MemoryLimit)} exceeded: the peak resident memory was {ResourceParser.FormatMeasuredMemory(known)} (seen after the attempt ended)"),
            };
        }
        return result;
    }

    /// <summary>Something the supervisor wants logged about this attempt (reader thread).</summary>
    internal void OnNote(string what, string detail)
    {
        var logger = _executor.Logger;
        switch (what)
        {
            case SupervisorProtocol.NoteEvents.Escalating:
                Log.Escalating(logger, _request.TaskName, _request.Attempt, ProcessGroupId);
                break;
            case SupervisorProtocol.NoteEvents.Stragglers:
                Log.Stragglers(logger, _request.TaskName, _request.Attempt, ProcessGroupId);
                break;
            case SupervisorProtocol.NoteEvents.Unkillable:
                Log.Unkillable(logger, _request.TaskName, _request.Attempt, ProcessGroupId);
                break;
            case SupervisorProtocol.NoteEvents.RecordFailed:
                Log.RecordNotWritten(logger, _request.TaskName, _request.Attempt, _exitFile, detail);
                break;
            default:
                Log.SupervisorError(logger, _supervisor.ProcessId, $"an unknown note '{what}' about attempt {_request.Attempt} of {_request.TaskName}: {detail}");
                break;
        }
    }

    /// <summary>
    /// The supervisor ended while this attempt was not over (reader thread). Nothing watches the program any
    /// more and its status can no longer be learnt: take its group down and end the attempt Lost (or with the
    /// record, should the supervisor have written one before it went).
    /// </summary>
    internal void OnSupervisorLost(string reason)
    {
        if (!_started.Task.IsCompleted)
        {
            OnStartFailed(reason);
            return;
        }
        // The orchestrator is a child subreaper: the kernel made the orphaned program its child, so its true end can
        // still be read (AdoptedProgram). Otherwise nothing can learn it: the attempt is lost.
        if (ProcessStartTime is { } start && AdoptedProgram.IsAdopted(ProcessGroupId, start))
        {
            bool killing;
            lock (_gate)
            {
                _adopted = true;
                killing = _killOutcome is not null;
            }
            Log.Adopted(_executor.Logger, _request.TaskName, _request.Attempt, ProcessGroupId, reason);
            AdoptedProgram.Watch(ProcessGroupId, OnAdoptedEnded);
            if (killing)
            {
                // A kill the dead supervisor may not have carried out.
                KillAdoptedGroup();
            }
            return;
        }
        _ = LoseAsync(reason);
    }

    /// <summary>SIGTERM to the adopted program's group, SIGKILL after the grace period, until none of it is alive.</summary>
    private void KillAdoptedGroup() =>
        _ = ProcessGroups.ClearAsync(ProcessGroupId, ProcessStartTime!.Value, _executor.Options.KillGracePeriod, _executor.Time, 0, 0, _ => { });

    /// <summary>
    /// The adopted program has ended, not yet reaped (its watcher thread): record it as its supervisor would have,
    /// with the outcome of a kill asked for, else its exit status.
    /// </summary>
    private void OnAdoptedEnded(int? status, ExitUsage? usage)
    {
        AttemptOutcome? killed;
        string detail;
        lock (_gate)
        {
            killed = _killOutcome;
            detail = _killDetail;
        }
        var endedAt = _executor.Time.GetUtcNow();
        usage = usage is null ? null : usage with { WallSeconds = Math.Max(0, (endedAt - StartedAt).TotalSeconds) };
        ExitRecord record;
        if (killed is { } outcome)
        {
            var signal = status > 128 ? status.Value - 128 : Native.SIGTERM;
            var message = outcome switch
            {
                AttemptOutcome.TimedOut => string.Create(CultureInfo.InvariantCulture, $"runtime limit {_request.Resources.Runtime} reached; killed by signal {signal}"),
                AttemptOutcome.OutOfMemory => string.Create(CultureInfo.InvariantCulture, $"{detail}; killed by signal {signal}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"killed on request by signal {signal}"),
            };
            record = new ExitRecord { Outcome = outcome.ToWord(), Signal = signal, EndedAt = endedAt, Message = message, Usage = usage };
        }
        else if (status is { } code)
        {
            record = new ExitRecord { ExitCode = code, Usage = usage };
        }
        else
        {
            record = new ExitRecord { Outcome = AttemptOutcome.Lost.ToWord(), EndedAt = endedAt, Message = $"the program (pid {ProcessGroupId}) ended, but its exit status could not be read" };
        }
        try
        {
            ExitRecords.WriteAtomically(_exitFile, record);
        }
        catch (IOException e)
        {
            Log.RecordNotWritten(_executor.Logger, _request.TaskName, _request.Attempt, _exitFile, e.Message);
        }
        _ = FinishAdoptedAsync(record, endedAt);
    }

    // What the program left in its group is cleared before the attempt is reported over, as the supervisor does.
    private async Task FinishAdoptedAsync(ExitRecord record, DateTimeOffset endedAt)
    {
        try
        {
            await ProcessGroups.ClearAsync(ProcessGroupId, ProcessStartTime!.Value, _executor.Options.KillGracePeriod, _executor.Time, 0, 0, _ => { }).ConfigureAwait(false);
        }
        finally
        {
            End(WithMemory(record.ToResult(StartedAt, endedAt), kernelPeakIsUpperBound: true));
        }
    }

    private async Task LoseAsync(string reason)
    {
        try
        {
            await ClearAndRecordLostAsync(reason).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Completion never faults, by contract: whatever went wrong still ends the attempt Lost.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.Lost(_executor.Logger, _request.TaskName, _request.Attempt, reason + "; cleaning up failed: " + e.Message);
            var now = _executor.Time.GetUtcNow();
            End(new AttemptResult(AttemptOutcome.Lost, null, StartedAt, now, reason));
        }
    }

    private async Task ClearAndRecordLostAsync(string reason)
    {
        var logger = _executor.Logger;
        if (ProcessStartTime is { } startTime)
        {
            await ProcessGroups.ClearAsync(ProcessGroupId, startTime, _executor.Options.KillGracePeriod, _executor.Time, 0, 0, e =>
            {
                if (e == ProcessGroups.ClearEvent.Escalating)
                {
                    Log.Escalating(logger, _request.TaskName, _request.Attempt, ProcessGroupId);
                }
                else if (e == ProcessGroups.ClearEvent.Unkillable)
                {
                    Log.Unkillable(logger, _request.TaskName, _request.Attempt, ProcessGroupId);
                }
            }).ConfigureAwait(false);
        }
        var endedAt = _executor.Time.GetUtcNow();
        if (ExitRecords.TryRead(_exitFile, out var record, out _))
        {
            End(record!.ToResult(StartedAt, endedAt));
            return;
        }
        Log.Lost(logger, _request.TaskName, _request.Attempt, reason);
        try
        {
            ExitRecords.WriteAtomically(_exitFile, new ExitRecord { Outcome = AttemptOutcome.Lost.ToWord(), EndedAt = endedAt, Message = reason });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The result still reaches the engine; only the on-disk copy is missing.
            Log.RecordNotWritten(logger, _request.TaskName, _request.Attempt, _exitFile, e.Message);
        }
        End(new AttemptResult(AttemptOutcome.Lost, null, StartedAt, endedAt, reason));
    }

    private void End(AttemptResult result, bool logged = true)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            _ended = true;
            _runtimeTimer?.Dispose();
            _runtimeTimer = null;
        }
        _executor.Forget(this);
        if (logged)
        {
            Log.AttemptEnded(_executor.Logger, _request.TaskName, _request.Attempt, result.Outcome.ToWord(), result.ExitCode);
        }
        _completion.TrySetResult(result);
    }
}
