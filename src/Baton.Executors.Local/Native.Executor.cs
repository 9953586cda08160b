using System.Runtime.InteropServices;

namespace Baton.Executors.Local;

/// <summary>Native calls only the executor side uses (not linked into the supervisor).</summary>
internal static unsafe partial class Native
{
    internal const short POLLIN = 0x1;

    private const int PR_SET_CHILD_SUBREAPER = 36;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>
    /// Makes this process a child subreaper: a descendant orphaned by its parent's death (an attempt whose supervisor
    /// was killed) becomes this process's child instead of init's, so its exit status can still be read. 0 or errno.
    /// </summary>
    internal static int BecomeChildSubreaper() =>
        Prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeout);

    /// <summary>struct pollfd.</summary>
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
