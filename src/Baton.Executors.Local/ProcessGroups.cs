using System.Globalization;

namespace Baton.Executors.Local;

/// <summary>
/// An attempt's process group: its number is the program's pid (the program leads its own session), and the
/// program's start time tells the group apart from a later one that reuses the number. Linked into both
/// assemblies: the supervisor clears groups after kills and stragglers, the executor when its supervisor is gone.
/// </summary>
internal static class ProcessGroups
{
    // There is no notification for "process group empty" for processes that are not our children, so clearing
    // a group (and only that) probes with backoff.
    private static readonly TimeSpan FirstProbeDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LongestProbeDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MinimumUnkillableWait = TimeSpan.FromSeconds(2);

    /// <summary>What <see cref="ClearAsync"/> did.</summary>
    internal enum ClearEvent
    {
        /// <summary>The group still had live members with no kill under way: SIGTERM sent.</summary>
        Stragglers,

        /// <summary>The grace period passed: SIGKILL sent.</summary>
        Escalating,

        /// <summary>Members outlived SIGKILL (uninterruptible I/O, for example): given up on.</summary>
        Unkillable,
    }

    /// <summary>
    /// The kernel keeps a group's number out of reuse while any process is in the group. So once the leader has
    /// been reaped, a live process with that pid and another start time means the group has emptied and the
    /// number belongs to someone else: signalling it would hit a stranger.
    /// </summary>
    public static bool NumberReused(int groupId, long leaderStartTime) =>
        ProcessIdentity.TryReadStat(groupId, out var stat) && stat.StartTime != leaderStartTime;

    /// <summary>Signals the whole group, unless its number has been reused; false when nothing was signalled.</summary>
    public static bool Signal(int groupId, long leaderStartTime, int signal) =>
        !NumberReused(groupId, leaderStartTime) && Native.Kill(-groupId, signal) == 0;

    /// <summary>Whether a process of the group still runs (zombies do not count).</summary>
    public static bool HasLiveMembers(int groupId, long leaderStartTime)
    {
        // The common case, one syscall: the group is gone.
        if (Native.Kill(-groupId, 0) == Native.ESRCH || NumberReused(groupId, leaderStartTime))
        {
            return false;
        }
        // The group exists, but maybe only as zombies (the leader not yet reaped, or orphans under an init that
        // does not reap, as in some containers): look for a member that has not ended.
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ProcessIdentity.TryReadStat(pid, out var stat)
                && stat.ProcessGroupId == groupId
                && !stat.HasEnded)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Waits until no process of the group is alive: SIGTERM now unless <paramref name="termSentAt"/> says one
    /// went already, SIGKILL once the grace period since it has passed (unless <paramref name="killSentAt"/>
    /// says that happened too), and gives up when members outlive SIGKILL by the grace period (at least 2 s).
    /// Timestamps are <see cref="TimeProvider.GetTimestamp"/> values, 0 for "not sent".
    /// </summary>
    public static async Task ClearAsync(
        int groupId, long leaderStartTime, TimeSpan grace, TimeProvider time, long termSentAt, long killSentAt, Action<ClearEvent> report)
    {
        if (!HasLiveMembers(groupId, leaderStartTime))
        {
            return;
        }
        if (termSentAt == 0)
        {
            termSentAt = time.GetTimestamp();
            report(ClearEvent.Stragglers);
            Signal(groupId, leaderStartTime, Native.SIGTERM);
        }
        var unkillableAfter = grace > MinimumUnkillableWait ? grace : MinimumUnkillableWait;
        var delay = FirstProbeDelay;
        while (HasLiveMembers(groupId, leaderStartTime))
        {
            TimeSpan wait;
            if (killSentAt == 0)
            {
                var left = grace - time.GetElapsedTime(termSentAt);
                if (left <= TimeSpan.Zero)
                {
                    killSentAt = time.GetTimestamp();
                    report(ClearEvent.Escalating);
                    Signal(groupId, leaderStartTime, Native.SIGKILL);
                    continue;
                }
                wait = left < delay ? left : delay;
            }
            else
            {
                if (time.GetElapsedTime(killSentAt) >= unkillableAfter)
                {
                    report(ClearEvent.Unkillable);
                    return;
                }
                wait = delay;
            }
            await Task.Delay(wait, time, CancellationToken.None).ConfigureAwait(false);
            delay = delay * 2 > LongestProbeDelay ? LongestProbeDelay : delay * 2;
        }
    }
}
