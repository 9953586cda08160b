using System.Runtime.InteropServices;

namespace Baton.Executors.Local;

/// <summary>
/// The libc calls the local executor and its supervisor need that .NET does not expose: spawning into a new
/// session with default signal handling, pipes, waiting for children through pidfds, signalling a process group,
/// and file calls on byte paths. Linux (glibc or musl). Shared by both assemblies (linked source).
/// </summary>
internal static unsafe partial class Native
{
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    internal const int EPERM = 1;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int ENOEXEC = 8;
    internal const int ECHILD = 10;
    internal const int EINVAL = 22;

    internal const int X_OK = 1;

    internal const int O_RDONLY = 0;
    internal const int O_WRONLY = 1;
    internal const int O_CREAT = 0x40;
    internal const int O_TRUNC = 0x200;
    internal const int O_CLOEXEC = 0x80000;

    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const short POSIX_SPAWN_SETSID = 0x80;

    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int WNOHANG = 1;
    internal const uint EPOLLIN = 1;

    // waitid(2)
    private const int P_PID = 1;
    private const int WEXITED = 4;
    private const int WNOWAIT = 0x01000000;
    private const int CLD_EXITED = 1;
    private const int SigInfoSize = 128;
    // siginfo_t for SIGCHLD on 64-bit Linux: si_code at 8; the union (si_pid, si_uid, si_status) starts at 16.
    private const int SigInfoCodeOffset = 8;
    private const int SigInfoPidOffset = 16;
    private const int SigInfoStatusOffset = 24;

    private const long SYS_pidfd_open = 434; // the same number on every architecture (unified table from 424 on)

    // Opaque libc types, allocated with room to spare (glibc x86_64: 336, 80 and 128 bytes).
    internal const int SpawnAttrSize = 1024;
    internal const int FileActionsSize = 512;
    internal const int SigSetSize = 256;

    /// <summary>struct epoll_event is packed on x86-64 only: 12 bytes there, 16 elsewhere.</summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary><c>getppid(2)</c>: the parent's pid (after the parent died, the reaper's that adopted us).</summary>
    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentProcessId();

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AccessNative(string path, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    internal static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    internal static partial int SpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    internal static partial int SpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    internal static partial int SpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static partial int SpawnAttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    internal static partial int SpawnAttrSetSigMask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    internal static partial int FileActionsAddOpen(void* actions, int fd, byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    internal static partial int FileActionsAddChdir(void* actions, byte* path);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    internal static partial int SigFillSet(void* set);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    internal static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallWaitId(long number, long idType, long id, void* info, long options, void* rusage);

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, void* usage);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    internal static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static partial int WaitIdNative(int idType, int id, void* info, int options);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static partial int Open(byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true)]
    internal static partial int Rename(byte* from, byte* to);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, void* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, void* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>Writes all of <paramref name="bytes"/>; 0, or the errno of the write that failed.</summary>
    internal static int WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var n = Write(fd, start + done, bytes.Length - done);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }
                    return errno;
                }
                done += (int)n;
            }
        }
        return 0;
    }

    /// <summary><c>kill(2)</c>: 0 on success, otherwise the errno.</summary>
    internal static int Kill(int pid, int signal) =>
        KillNative(pid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Whether this process may execute <paramref name="path"/> (<c>access(2)</c> with X_OK).</summary>
    internal static bool IsExecutable(string path) => AccessNative(path, X_OK) == 0;

    /// <summary><c>pidfd_open(2)</c> (Linux 5.3): a descriptor that becomes readable when the process ends; -1 and errno on failure.</summary>
    internal static int PidFdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0);

    /// <summary>
    /// Whether child <paramref name="pid"/> has ended, without reaping it (waitid with WNOWAIT): the zombie keeps
    /// its pid, so nothing can reuse it until the caller reaps. <paramref name="status"/> is as a shell reports it.
    /// </summary>
    /// <returns>1: ended; 0: still running; -1: not our child (errno ECHILD) or another error.</returns>
    internal static int PeekExit(int pid, bool wait, out int status)
    {
        var info = stackalloc byte[SigInfoSize];
        new Span<byte>(info, SigInfoSize).Clear();
        int result;
        do
        {
            result = WaitIdNative(P_PID, pid, info, WEXITED | WNOWAIT | (wait ? 0 : WNOHANG));
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
        status = 0;
        if (result < 0)
        {
            return -1;
        }
        // With WNOHANG and nothing to report, waitid leaves si_pid zero.
        if (*(int*)(info + SigInfoPidOffset) == 0)
        {
            return 0;
        }
        var value = *(int*)(info + SigInfoStatusOffset);
        status = *(int*)(info + SigInfoCodeOffset) == CLD_EXITED ? value & 0xff : 128 + value;
        return 1;
    }

    // The waitid system call (not libc's wrapper) takes a fifth argument: the rusage of the child and of every
    // descendant it reaped, which the kernel fills in even with WNOWAIT.
    private static readonly long SYS_waitid = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 247 : 95;
    private const int RusageSize = 144;
    private const int RusageMaxRssOffset = 32;

    /// <summary>
    /// The kernel's accounting of ended child <paramref name="pid"/>, not yet reaped, and of the descendants it
    /// reaped: user and system CPU time, and the largest resident set any one of them reached (bytes).
    /// </summary>
    /// <returns>False when the child cannot be read (not ours, or already reaped).</returns>
    internal static bool TryReadChildUsage(int pid, out TimeSpan user, out TimeSpan system, out long maxRssBytes)
    {
        var info = stackalloc byte[SigInfoSize];
        var usage = stackalloc byte[RusageSize];
        new Span<byte>(info, SigInfoSize).Clear();
        new Span<byte>(usage, RusageSize).Clear();
        long result;
        do
        {
            result = SyscallWaitId(SYS_waitid, P_PID, pid, info, WEXITED | WNOWAIT | WNOHANG, usage);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
        user = system = TimeSpan.Zero;
        maxRssBytes = 0;
        if (result < 0 || *(int*)(info + SigInfoPidOffset) == 0)
        {
            return false;
        }
        // struct rusage: two struct timevals (seconds, microseconds: 16 bytes each), then ru_maxrss in KiB.
        user = TimeSpan.FromSeconds(*(long*)usage) + TimeSpan.FromMicroseconds(*(long*)(usage + 8));
        system = TimeSpan.FromSeconds(*(long*)(usage + 16)) + TimeSpan.FromMicroseconds(*(long*)(usage + 24));
        maxRssBytes = *(long*)(usage + RusageMaxRssOffset) * 1024;
        return true;
    }

    /// <summary>
    /// This process's own peak resident set (bytes). A program started with posix_spawn (vfork) execs from this
    /// process's memory, and the kernel folds that memory's peak into the program's ru_maxrss at exec: a program
    /// whose ru_maxrss does not exceed this figure may never have used that much itself.
    /// </summary>
    internal static long OwnPeakRss()
    {
        var usage = stackalloc byte[RusageSize];
        new Span<byte>(usage, RusageSize).Clear();
        return GetRusage(0 /* RUSAGE_SELF */, usage) == 0 ? *(long*)(usage + RusageMaxRssOffset) * 1024 : long.MaxValue;
    }

    /// <summary>A wait status as a shell reports it: the exit code, or 128 + N when signal N ended the process.</summary>
    internal static int DecodeWaitStatus(int status)
    {
        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }
}
