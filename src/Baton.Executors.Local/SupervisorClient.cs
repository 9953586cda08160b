using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Baton.Core.Executors;

namespace Baton.Executors.Local;

/// <summary>
/// The executor's end of one <c>baton-supervisor</c> process: its stdin (commands, written under a lock by whoever
/// starts or kills), and one reader thread for its stdout (replies) and stderr (anything the runtime prints).
/// Replies complete handles with continuations that run asynchronously, so the reader thread never runs caller
/// code and never blocks on the supervisor: the two processes cannot deadlock on full pipes.
/// </summary>
internal sealed class SupervisorClient
{
    private const int StderrTailLength = 4096;

    private readonly LocalExecutor _executor;
    private readonly int _output;
    private readonly int _errors;
    private readonly int _wake;
    private readonly Thread _reader;
    private readonly ConcurrentDictionary<long, LocalAttemptHandle> _attempts = new();
    // Completes once the supervisor has ended, been reaped, and its attempts have been dealt with.
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderrTail = new();

    private readonly Lock _inputGate = new();
    // Guarded by _inputGate.
    private readonly ProtocolLine _line = new();
    private int _input;
    private long _lastId;
    private bool _closing;
    private bool _wakeClosed;

    private volatile bool _dead;
    private volatile bool _abandoned;

    private SupervisorClient(LocalExecutor executor, int pid, int input, int output, int errors, int wake)
    {
        _executor = executor;
        ProcessId = pid;
        _input = input;
        _output = output;
        _errors = errors;
        _wake = wake;
        _reader = new Thread(Read) { IsBackground = true, Name = "baton-supervisor-reader" };
    }

    public int ProcessId { get; }

    /// <summary>Set once the supervisor has ended (or was abandoned): nothing more can be sent to it.</summary>
    public bool IsDead => _dead;

    /// <summary>Starts the supervisor: a new session, default signals, stdio on fresh pipes, cwd /.</summary>
    /// <exception cref="ExecutorStartException">It could not be started.</exception>
    public static unsafe SupervisorClient Start(LocalExecutor executor, Spawner spawner, IReadOnlyList<string> argv)
    {
        // Every pipe end is close-on-exec here: another child of the orchestrator (Process.Start elsewhere) must
        // not keep the supervisor's stdin open, or the supervisor would not see the orchestrator die.
        var fds = stackalloc int[6];
        var wake = -1;
        var made = 0;
        for (; made < 3; made++)
        {
            if (Native.Pipe2(fds + (2 * made), Native.O_CLOEXEC) != 0)
            {
                break;
            }
        }
        if (made == 3)
        {
            wake = Native.EventFd(0, Native.O_CLOEXEC);
        }
        if (wake < 0)
        {
            var message = Marshal.GetLastPInvokeErrorMessage();
            for (var i = 0; i < 2 * made; i++)
            {
                _ = Native.Close(fds[i]);
            }
            throw new ExecutorStartException("cannot create the pipes to the local executor's supervisor: " + message);
        }
        // fds: [stdin read, stdin write, stdout read, stdout write, stderr read, stderr write]
        var error = spawner.Spawn(argv[0], argv, "/", fds[0], fds[3], fds[5], out var pid);
        _ = Native.Close(fds[0]);
        _ = Native.Close(fds[3]);
        _ = Native.Close(fds[5]);
        if (error != 0)
        {
            _ = Native.Close(fds[1]);
            _ = Native.Close(fds[2]);
            _ = Native.Close(fds[4]);
            _ = Native.Close(wake);
            throw new ExecutorStartException($"cannot start the local executor's supervisor '{argv[0]}': {Marshal.GetPInvokeErrorMessage(error)}");
        }
        var client = new SupervisorClient(executor, pid, fds[1], fds[2], fds[4], wake);
        client._reader.Start();
        return client;
    }

    /// <summary>Registers <paramref name="handle"/> and asks the supervisor to start it.</summary>
    /// <returns>False when the supervisor is gone (nothing was started).</returns>
    public bool TrySpawn(LocalAttemptHandle handle, string workingDirectory, string stdoutPath, string stderrPath, string exitFile, IReadOnlyList<string> variables, IReadOnlyList<string> argv)
    {
        lock (_inputGate)
        {
            if (_dead || _closing)
            {
                return false;
            }
            var id = ++_lastId;
            handle.Id = id;
            _attempts[id] = handle;
            _line.Begin(SupervisorProtocol.Spawn).Add(id).Add(workingDirectory).Add(stdoutPath).Add(stderrPath).Add(exitFile).Add(variables.Count);
            foreach (var variable in variables)
            {
                _line.Add(variable);
            }
            foreach (var arg in argv)
            {
                _line.Add(arg);
            }
            if (Native.WriteAll(_input, _line.End()) == 0)
            {
                return true;
            }
            _attempts.TryRemove(id, out _);
            return false;
        }
    }

    /// <summary>Asks the supervisor to kill an attempt; nothing happens when it is gone (it then cleans up itself).</summary>
    public void SendKill(long id, string reason, string detail)
    {
        lock (_inputGate)
        {
            if (!_dead && _input >= 0)
            {
                _ = Native.WriteAll(_input, _line.Begin(SupervisorProtocol.Kill).Add(id).Add(reason).Add(detail).End());
            }
        }
    }

    /// <summary>
    /// Closes the supervisor's stdin, so it exits once its attempts have ended, and waits for that; kills it
    /// when it takes longer than <paramref name="patience"/>.
    /// </summary>
    public async Task CloseAsync(TimeSpan patience)
    {
        CloseInput();
        try
        {
            await _ended.Task.WaitAsync(patience, _executor.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = Native.Kill(ProcessId, Native.SIGKILL);
            await _ended.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Test hook: behave as if this process had died. Both pipes are closed and replies are no longer read; the
    /// supervisor sees end of input (and EPIPE on its replies) exactly as after a kill -9 of the orchestrator.
    /// Handles of running attempts never complete. The process is still reaped once it exits.
    /// </summary>
    public unsafe void Abandon()
    {
        _abandoned = true;
        _dead = true;
        CloseInput();
        lock (_inputGate)
        {
            // Under the lock: once the reader has closed the descriptor, its number may belong to another file.
            if (!_wakeClosed)
            {
                ulong one = 1;
                _ = Native.Write(_wake, &one, sizeof(ulong));
            }
        }
    }

    private void CloseInput()
    {
        lock (_inputGate)
        {
            _closing = true;
            if (_input >= 0)
            {
                _ = Native.Close(_input);
                _input = -1;
            }
        }
    }

    private unsafe void Read()
    {
        var replies = new LineReader(_output);
        var errors = new LineReader(_errors);
        var fds = stackalloc Native.PollFd[3];
        fds[0] = new Native.PollFd { Fd = _output, Events = Native.POLLIN };
        fds[1] = new Native.PollFd { Fd = _errors, Events = Native.POLLIN };
        fds[2] = new Native.PollFd { Fd = _wake, Events = Native.POLLIN };
        try
        {
            while (true)
            {
                if (Native.Poll(fds, 3, -1) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.EINTR)
                    {
                        continue;
                    }
                    throw new InvalidOperationException("poll failed: " + Marshal.GetPInvokeErrorMessage(errno));
                }
                if (fds[2].Revents != 0)
                {
                    break;
                }
                // Any event (data, hang-up, error) makes a read return something or the end: no busy loop.
                if (fds[1].Revents != 0 && !ReadErrors(errors))
                {
                    // A negative descriptor is ignored by poll.
                    fds[1].Fd = -1;
                }
                if (fds[0].Revents != 0)
                {
                    if (!replies.Fill())
                    {
                        break;
                    }
                    while (replies.TryTakeLine(out var line))
                    {
                        Dispatch(line);
                    }
                }
            }
            // The supervisor closed its stdout: it is exiting. What it still says on stderr are its last words.
            var more = !_abandoned && fds[1].Fd >= 0;
            while (more)
            {
                more = ReadErrors(errors);
            }
        }
#pragma warning disable CA1031 // The reader runs on its own thread: whatever happens must end in a reaped supervisor and cleaned-up attempts.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.SupervisorError(_executor.Logger, ProcessId, "reading its replies failed: " + e.Message);
            _ = Native.Kill(ProcessId, Native.SIGKILL);
        }
        _ = Native.Close(_output);
        _ = Native.Close(_errors);
        lock (_inputGate)
        {
            _wakeClosed = true;
            _ = Native.Close(_wake);
        }
        int status;
        int result;
        do
        {
            result = Native.WaitPid(ProcessId, out status, 0);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
        if (!_abandoned)
        {
            OnEnded(result == ProcessId ? Native.DecodeWaitStatus(status) : null);
        }
        _ended.TrySetResult();
    }

    /// <summary>Reads the supervisor's stderr: each complete line is logged, the tail kept for a death notice.</summary>
    /// <returns>False at end of file.</returns>
    private bool ReadErrors(LineReader errors)
    {
        if (!errors.Fill())
        {
            return false;
        }
        while (errors.TryTakeLine(out var line))
        {
            var text = Encoding.UTF8.GetString(line);
            Log.SupervisorStderr(_executor.Logger, ProcessId, text);
            if (_stderrTail.Length + text.Length > StderrTailLength)
            {
                _stderrTail.Clear();
            }
            _stderrTail.Append(text).Append('\n');
        }
        return true;
    }

    private void Dispatch(ReadOnlySpan<byte> line)
    {
        try
        {
            var fields = new SupervisorProtocol.Fields(line);
            var word = fields.Next("reply");
            if (word.SequenceEqual(SupervisorProtocol.Error))
            {
                Log.SupervisorError(_executor.Logger, ProcessId, SupervisorProtocol.DecodeString(fields.Next("message")));
                return;
            }
            if (!SupervisorProtocol.TryParseInt64(fields.Next("id"), out var id))
            {
                throw new FormatException("the id is not a number");
            }
            if (word.SequenceEqual(SupervisorProtocol.Started))
            {
                if (!SupervisorProtocol.TryParseInt64(fields.Next("pid"), out var pid)
                    || !SupervisorProtocol.TryParseInt64(fields.Next("start time"), out var startTime))
                {
                    throw new FormatException("the pid or start time is not a number");
                }
                if (_attempts.TryGetValue(id, out var handle))
                {
                    handle.OnStarted((int)pid, startTime);
                }
            }
            else if (word.SequenceEqual(SupervisorProtocol.Exited))
            {
                var record = fields.Next("record");
                if (_attempts.TryRemove(id, out var handle))
                {
                    var json = record.Length <= 1024 ? stackalloc byte[record.Length] : new byte[record.Length];
                    handle.OnExited(json[..SupervisorProtocol.Unescape(record, json)]);
                }
            }
            else if (word.SequenceEqual(SupervisorProtocol.Failed))
            {
                var message = SupervisorProtocol.DecodeString(fields.Next("message"));
                if (_attempts.TryRemove(id, out var handle))
                {
                    handle.OnStartFailed(message);
                }
            }
            else if (word.SequenceEqual(SupervisorProtocol.Note))
            {
                var what = SupervisorProtocol.DecodeString(fields.Next("event"));
                var detail = fields.TryNext(out var d) ? SupervisorProtocol.DecodeString(d) : "";
                if (_attempts.TryGetValue(id, out var handle))
                {
                    handle.OnNote(what, detail);
                }
            }
            else
            {
                throw new FormatException($"unknown reply '{Encoding.UTF8.GetString(word)}'");
            }
        }
        catch (FormatException e)
        {
            Log.SupervisorError(_executor.Logger, ProcessId, "a malformed reply: " + e.Message);
        }
    }

    /// <summary>The supervisor has ended and been reaped: whatever it still had is lost.</summary>
    private void OnEnded(int? status)
    {
        bool expected;
        lock (_inputGate)
        {
            _dead = true;
            expected = _closing;
        }
        CloseInput();
        var left = _attempts.Values.ToArray();
        _attempts.Clear();
        var statusText = status?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
        if (left.Length > 0 || !expected || status != 0)
        {
            Log.SupervisorEnded(_executor.Logger, ProcessId, statusText, left.Length, _stderrTail.ToString().TrimEnd('\n'));
        }
        var reason = string.Create(CultureInfo.InvariantCulture, $"the local executor's supervisor (pid {ProcessId}) ended (status {statusText})");
        foreach (var handle in left)
        {
            handle.OnSupervisorLost(reason);
        }
        _executor.OnSupervisorEnded(this);
    }
}
