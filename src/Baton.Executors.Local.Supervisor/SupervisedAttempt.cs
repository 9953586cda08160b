using System.Globalization;
using System.Runtime.InteropServices;

namespace Baton.Executors.Local.Supervisor;

/// <summary>
/// One running program: how it is killed (SIGTERM to its group, SIGKILL after the grace period), and how its end is
/// recorded: exit.json is written while the program is still an unreaped zombie (so once its pid is gone, the
/// record is there), then whatever it left in its process group is cleared, then the executor is told.
/// </summary>
/// <param name="spawnedAt">When the spawn began (a timestamp of the owner's time provider), for the wall time.</param>
/// <param name="spawnerPeak">The supervisor's own peak resident set at the spawn (see <see cref="Native.OwnPeakRss"/>).</param>
internal sealed class SupervisedAttempt(Supervisor owner, long id, int pid, long startTime, byte[] exitFile, long spawnedAt, long spawnerPeak) : IChildObserver
{
    private const string KilledReason = "killed";
    private const string TimedOutReason = "timed_out";
    private const string OutOfMemoryReason = "out_of_memory";
    private const string LostReason = "lost";

    private readonly Lock _gate = new();

    // Guarded by _gate.
    private string? _killReason;
    private string _killDetail = "";
    private long _termSentAt;
    private long _killSentAt;
    private bool _ended;
    private ITimer? _graceTimer;

    private byte[]? _record;

    public long Id => id;

    private TimeProvider Time => owner.Time;

    /// <summary>SIGTERM to the whole group now, SIGKILL after the grace period; the first reason asked for wins.</summary>
    public void RequestKill(string reason, string detail)
    {
        lock (_gate)
        {
            if (_ended || _killReason is not null)
            {
                return;
            }
            // A program that has already ended on its own keeps its own record: the kill came too late.
            if (Native.PeekExit(pid, wait: false, out _) != 0)
            {
                return;
            }
            _killReason = reason is TimedOutReason or OutOfMemoryReason ? reason : KilledReason;
            _killDetail = detail;
            _termSentAt = Time.GetTimestamp();
            _graceTimer = Time.CreateTimer(
                static state => ((SupervisedAttempt)state!).OnGraceElapsed(), this, owner.Grace, Timeout.InfiniteTimeSpan);
        }
        ProcessGroups.Signal(pid, startTime, Native.SIGTERM);
    }

    private void OnGraceElapsed()
    {
        lock (_gate)
        {
            // Once the program has ended, clearing the group takes over the escalation.
            if (_ended || _killSentAt != 0)
            {
                return;
            }
            _killSentAt = Time.GetTimestamp();
        }
        owner.Replies.Note(id, SupervisorProtocol.NoteEvents.Escalating, "");
        ProcessGroups.Signal(pid, startTime, Native.SIGKILL);
    }

    /// <summary>The program has ended, not yet reaped (reaper thread): write its record.</summary>
    public void OnEnded(int? status)
    {
        string? reason;
        string detail;
        bool escalated;
        lock (_gate)
        {
            _ended = true;
            _graceTimer?.Dispose();
            reason = _killReason;
            detail = _killDetail;
            escalated = _killSentAt != 0;
        }
        ExitRecord record;
        if (reason is not null)
        {
            var signal = status > 128 ? status.Value - 128 : escalated ? Native.SIGKILL : Native.SIGTERM;
            var message = reason switch
            {
                TimedOutReason => string.Create(CultureInfo.InvariantCulture, $"runtime limit {detail} reached; killed by signal {signal}"),
                OutOfMemoryReason => string.Create(CultureInfo.InvariantCulture, $"{detail}; killed by signal {signal}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"killed on request by signal {signal}"),
            };
            record = new ExitRecord { Outcome = reason, Signal = signal, EndedAt = Time.GetUtcNow(), Message = message, Usage = ReadUsage() };
        }
        else if (status is { } code)
        {
            record = new ExitRecord { ExitCode = code, Usage = ReadUsage() };
        }
        else
        {
            record = new ExitRecord
            {
                Outcome = LostReason,
                EndedAt = Time.GetUtcNow(),
                Message = string.Create(CultureInfo.InvariantCulture, $"the program (pid {pid}) ended, but its exit status could not be read"),
            };
        }
        Record(record);
    }

    /// <summary>The kernel's accounting of the ended, unreaped program, with the wall time since its spawn.</summary>
    private ExitUsage? ReadUsage()
    {
        if (!Native.TryReadChildUsage(pid, out var user, out var system, out var maxRss))
        {
            return null;
        }
        return new ExitUsage
        {
            WallSeconds = Math.Round(Time.GetElapsedTime(spawnedAt).TotalSeconds, 6),
            UserSeconds = user.TotalSeconds,
            SystemSeconds = system.TotalSeconds,
            MaxRssBytes = maxRss,
            MaxRssIsUpperBound = maxRss <= spawnerPeak,
        };
    }

    /// <summary>The program has been reaped (reaper thread): clear its group, then report.</summary>
    public void OnReaped()
    {
        // The common case, decided with one kill(2): nothing of the attempt is left.
        if (!ProcessGroups.HasLiveMembers(pid, startTime))
        {
            Report();
            return;
        }
        _ = ClearThenReportAsync();
    }

    /// <summary>No pidfd could be opened for the program: take it down at once and record it as lost.</summary>
    public void Unwatchable(string why)
    {
        ProcessGroups.Signal(pid, startTime, Native.SIGKILL);
        _ = Native.WaitPid(pid, out _, 0);
        lock (_gate)
        {
            _ended = true;
            _graceTimer?.Dispose();
        }
        Record(new ExitRecord
        {
            Outcome = LostReason,
            EndedAt = Time.GetUtcNow(),
            Message = $"the supervisor could not watch the program, so it was killed: {why}",
        });
        OnReaped();
    }

    private void Record(ExitRecord record)
    {
        _record = ExitRecords.Serialize(record);
        var errno = ExitRecords.TryWriteAtomically(exitFile, _record, ".tmp"u8);
        if (errno != 0)
        {
            // The result still reaches the executor in the reply; only the file is missing.
            owner.Replies.Note(id, SupervisorProtocol.NoteEvents.RecordFailed, Marshal.GetPInvokeErrorMessage(errno));
        }
    }

    private async Task ClearThenReportAsync()
    {
        long termSentAt;
        long killSentAt;
        lock (_gate)
        {
            termSentAt = _termSentAt;
            killSentAt = _killSentAt;
        }
        try
        {
            await ProcessGroups.ClearAsync(pid, startTime, owner.Grace, Time, termSentAt, killSentAt, OnClearEvent).ConfigureAwait(false);
        }
        finally
        {
            Report();
        }
    }

    private void OnClearEvent(ProcessGroups.ClearEvent e) => owner.Replies.Note(id, e switch
    {
        ProcessGroups.ClearEvent.Stragglers => SupervisorProtocol.NoteEvents.Stragglers,
        ProcessGroups.ClearEvent.Escalating => SupervisorProtocol.NoteEvents.Escalating,
        _ => SupervisorProtocol.NoteEvents.Unkillable,
    }, "");

    private void Report()
    {
        // Without the trailing newline: the reply is one line.
        var record = _record!;
        owner.Replies.Exited(id, record.AsSpan(0, record.Length - 1));
        owner.Forget(this);
    }
}
