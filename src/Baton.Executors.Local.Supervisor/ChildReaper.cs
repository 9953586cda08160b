using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Baton.Executors.Local.Supervisor;

/// <summary>What a watched child's end is reported to, on the reaper's thread.</summary>
internal interface IChildObserver
{
    /// <summary>
    /// The child has ended and is not reaped yet: its pid (and so its process group's number) cannot be reused
    /// while this runs. <paramref name="status"/> is as a shell reports it (128 + N for signal N), or null when
    /// someone else reaped it.
    /// </summary>
    void OnEnded(int? status);

    /// <summary>The child has been reaped.</summary>
    void OnReaped();
}

/// <summary>
/// Notices when spawned programs end and reaps them. Each child gets a pidfd, which becomes readable when the
/// child ends; one thread waits on all of them with epoll. No polling, no per-child thread, no waitpid(-1).
/// </summary>
internal sealed unsafe class ChildReaper : IDisposable
{
    private const int BatchSize = 64;
    private const ulong WakeToken = 0;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    // Keyed by a token of our own, not the pidfd's number: a closed pidfd's number is soon reused, and an event
    // already on its way for the old one must not reach the new watch.
    private readonly ConcurrentDictionary<ulong, Watch> _watches = new();
    private long _nextToken = (long)WakeToken;
    private volatile bool _stopping;
    private bool _disposed;

    /// <param name="onError">Told about a failure of the wait loop itself (it then stops).</param>
    public ChildReaper(Action<Exception> onError)
    {
        _epoll = Native.EpollCreate(Native.O_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException("epoll_create1 failed: " + Marshal.GetLastPInvokeErrorMessage());
        }
        _wake = Native.EventFd(0, Native.O_CLOEXEC);
        if (_wake < 0 || !Add(_wake, WakeToken))
        {
            var message = Marshal.GetLastPInvokeErrorMessage();
            _ = Native.Close(_epoll);
            throw new InvalidOperationException("cannot set up the child reaper: " + message);
        }
        OnError = onError;
        _thread = new Thread(Run) { IsBackground = true, Name = "baton-local-reaper" };
        _thread.Start();
    }

    private Action<Exception> OnError { get; }

    /// <summary>Tells <paramref name="observer"/> when <paramref name="pid"/> (a child of this process) ends, then reaps it.</summary>
    /// <returns>False with an errno when no pidfd could be opened (Linux before 5.3, or out of descriptors).</returns>
    public bool TryWatch(int pid, IChildObserver observer, out int errno)
    {
        var fd = Native.PidFdOpen(pid);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        var token = (ulong)Interlocked.Increment(ref _nextToken);
        _watches[token] = new Watch(pid, fd, observer);
        // Level-triggered: a child that has already ended is reported at once.
        if (!Add(fd, token))
        {
            errno = Marshal.GetLastPInvokeError();
            _watches.TryRemove(token, out _);
            _ = Native.Close(fd);
            return false;
        }
        errno = 0;
        return true;
    }

    private bool Add(int fd, ulong token)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = Native.EPOLLIN;
        *(ulong*)(ev + Native.EpollDataOffset) = token;
        return Native.EpollCtl(_epoll, Native.EPOLL_CTL_ADD, fd, ev) == 0;
    }

    private void Run()
    {
        var size = Native.EpollEventSize;
        var events = (byte*)NativeMemory.Alloc((nuint)(BatchSize * size));
        try
        {
            while (!_stopping)
            {
                var n = Native.EpollWait(_epoll, events, BatchSize, -1);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.EINTR)
                    {
                        continue;
                    }
                    throw new InvalidOperationException("epoll_wait failed: " + Marshal.GetPInvokeErrorMessage(errno));
                }
                for (var i = 0; i < n; i++)
                {
                    var token = *(ulong*)(events + (i * size) + Native.EpollDataOffset);
                    if (token != WakeToken && _watches.TryRemove(token, out var watch))
                    {
                        Reap(watch);
                    }
                }
            }
        }
#pragma warning disable CA1031 // The loop runs on its own thread: an exception is reported to the owner, which decides.
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnError(e);
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private void Reap(Watch watch)
    {
        // Deregister explicitly: close alone leaves the registration in place while a child spawned at this
        // moment still holds a copy of the descriptor (until its exec), and it would keep firing.
        _ = Native.EpollCtl(_epoll, Native.EPOLL_CTL_DEL, watch.PidFd, null);
        // The pidfd said it ended, so this does not block. Peek first (WNOWAIT): the observer records the end
        // while the zombie still holds the pid.
        int? status = Native.PeekExit(watch.Pid, wait: false, out var peeked) switch
        {
            1 => peeked,
            // Not possible once the pidfd is readable; should it happen, wait rather than lose the child.
            0 => Native.PeekExit(watch.Pid, wait: true, out peeked) == 1 ? peeked : null,
            // ECHILD: reaped by someone else (a runtime that reaps every child when SIGCHLD was ignored at start).
            _ => null,
        };
        _ = Native.Close(watch.PidFd);
        try
        {
            watch.Observer.OnEnded(status);
        }
        finally
        {
            if (status is not null)
            {
                int result;
                do
                {
                    result = Native.WaitPid(watch.Pid, out _, Native.WNOHANG);
                }
                while (result < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
            }
        }
        watch.Observer.OnReaped();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stopping = true;
        ulong one = 1;
        _ = Native.Write(_wake, &one, sizeof(ulong));
        _thread.Join();
        foreach (var watch in _watches.Values)
        {
            _ = Native.Close(watch.PidFd);
        }
        _ = Native.Close(_wake);
        _ = Native.Close(_epoll);
    }

    private sealed record Watch(int Pid, int PidFd, IChildObserver Observer);
}
