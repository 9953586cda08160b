namespace Baton.Executors.Local;

/// <summary>
/// The program of an attempt whose supervisor died while it ran (a task that ran <c>kill -9 $PPID</c>, the OOM
/// killer). The orchestrator is a child subreaper (<see cref="Native.BecomeChildSubreaper"/>), so the kernel made
/// the orphaned program its child: here it is waited for on a thread of its own and read, still unreaped, for its
/// exit status and usage, as its supervisor would have done; then it is reaped.
/// </summary>
internal static class AdoptedProgram
{
    /// <summary>Whether the program (pid and start time) is now this process's child, so that its end can be read.</summary>
    public static bool IsAdopted(int pid, long startTime) =>
        ProcessIdentity.TryGetStartTime(pid) == startTime && Native.PeekExit(pid, wait: false, out _) >= 0;

    /// <summary>
    /// Waits for the adopted program to end; <paramref name="onEnded"/> gets its status (as a shell reports it, or
    /// null when unreadable) and usage while it is an unreaped zombie (so its pid cannot be reused meanwhile); it is
    /// reaped afterwards.
    /// </summary>
    public static void Watch(int pid, Action<int?, ExitUsage?> onEnded)
    {
        var thread = new Thread(() =>
        {
            int? status = Native.PeekExit(pid, wait: true, out var peeked) == 1 ? peeked : null;
            ExitUsage? usage = null;
            if (status is not null && Native.TryReadChildUsage(pid, out var user, out var system, out var maxRss))
            {
                // The program was spawned from the supervisor's memory, whose peak is not known here: the kernel's
                // figure may be the supervisor's (see ExitUsage.MaxRssIsUpperBound).
                usage = new ExitUsage { UserSeconds = user.TotalSeconds, SystemSeconds = system.TotalSeconds, MaxRssBytes = maxRss, MaxRssIsUpperBound = true };
            }
            try
            {
                onEnded(status, usage);
            }
            finally
            {
                if (status is not null)
                {
                    _ = Native.WaitPid(pid, out _, Native.WNOHANG);
                }
            }
        })
        {
            IsBackground = true,
            Name = "baton-adopted-attempt",
        };
        thread.Start();
    }
}
