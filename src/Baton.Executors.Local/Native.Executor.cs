using System.Runtime.InteropServices;

namespace Baton.Executors.Local;

/// <summary>Native calls only the executor side uses (not linked into the supervisor).</summary>
internal static unsafe partial class Native
{
    internal const short POLLIN = 0x1;

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
