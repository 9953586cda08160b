using System.Runtime.InteropServices;
using System.Text;

namespace Baton.Executors.Local.Supervisor;

/// <summary>
/// One per <c>LocalExecutor</c>: reads commands on stdin (the main thread starts programs directly with
/// posix_spawn, one exec per attempt), watches the programs with a <see cref="ChildReaper"/>, writes each attempt's
/// exit.json and replies on stdout. When stdin ends (the executor closed it, or the orchestrator died), it keeps
/// going until every attempt has ended and been recorded, then exits.
/// </summary>
internal sealed unsafe class Supervisor : IDisposable
{
    private const int StdIn = 0;
    private const int StdOut = 1;

    private readonly Spawner _spawner;
    private readonly ChildReaper _reaper;
    private readonly Lock _gate = new();
    // Guarded by _gate.
    private readonly Dictionary<long, SupervisedAttempt> _attempts = [];
    private bool _inputEnded;
    private readonly ManualResetEventSlim _drained = new();
    // The orchestrator that started us (its pid, from the command line: it may have died before we got to read our
    // parent). Once it is no longer our parent it is gone: spawn commands still in the pipe are refused, so that a
    // program never starts after a new orchestrator has already reconciled its attempt as never started.
    private readonly int _orchestrator;

    // Scratch memory for one spawn's strings and argv table; only the main thread spawns.
    private byte* _arena;
    private int _arenaSize;

    public Supervisor(TimeSpan grace, int orchestrator, TimeProvider time)
    {
        _orchestrator = orchestrator;
        Grace = grace;
        Time = time;
        Replies = new ReplyWriter(StdOut);
        // Programs get the environment the executor gave this process.
        _spawner = new Spawner(Environment.GetEnvironmentVariables());
        _reaper = new ChildReaper(OnReaperFailed);
    }

    internal TimeSpan Grace { get; }

    internal TimeProvider Time { get; }

    internal ReplyWriter Replies { get; }

    /// <summary>Serves commands until stdin ends, then waits for the running attempts; returns the exit code.</summary>
    public int Run()
    {
        var input = new LineReader(StdIn);
        while (input.Fill())
        {
            while (input.TryTakeLine(out var line))
            {
                try
                {
                    Handle(line);
                }
                catch (FormatException e)
                {
                    Replies.Error("malformed command: " + e.Message);
                }
            }
        }
        lock (_gate)
        {
            _inputEnded = true;
            if (_attempts.Count == 0)
            {
                _drained.Set();
            }
        }
        _drained.Wait();
        return 0;
    }

    /// <summary>Called by an attempt once it has replied <c>exited</c>.</summary>
    internal void Forget(SupervisedAttempt attempt)
    {
        lock (_gate)
        {
            _attempts.Remove(attempt.Id);
            if (_inputEnded && _attempts.Count == 0)
            {
                _drained.Set();
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> line)
    {
        var fields = new SupervisorProtocol.Fields(line);
        var word = fields.Next("command");
        if (word.SequenceEqual(SupervisorProtocol.Spawn))
        {
            Spawn(line, ref fields);
        }
        else if (word.SequenceEqual(SupervisorProtocol.Kill))
        {
            var id = ParseId(fields.Next("id"));
            var reason = SupervisorProtocol.DecodeString(fields.Next("reason"));
            var detail = fields.TryNext(out var d) ? SupervisorProtocol.DecodeString(d) : "";
            SupervisedAttempt? attempt;
            lock (_gate)
            {
                _attempts.TryGetValue(id, out attempt);
            }
            // Unknown: it has ended and been reported already; the executor will see that.
            attempt?.RequestKill(reason, detail);
        }
        else
        {
            throw new FormatException($"unknown command '{Encoding.UTF8.GetString(word)}'");
        }
    }

    private void Spawn(ReadOnlySpan<byte> line, ref SupervisorProtocol.Fields fields)
    {
        var id = ParseId(fields.Next("id"));
        // Every field unescaped and NUL-terminated fits in the line's length plus one byte per field; the argv
        // table gets two spare slots for the /bin/sh fallback, the environment table room for every inherited
        // variable and every field.
        var fieldCount = line.Count((byte)'\t') + 1;
        var tableBytes = (fieldCount + 2) * sizeof(byte*);
        var environmentBytes = (_spawner.EnvironmentCount + fieldCount + 1) * sizeof(byte*);
        var table = (byte**)Arena(tableBytes + environmentBytes + line.Length + fieldCount);
        var environment = (byte**)((byte*)table + tableBytes);
        var next = (byte*)environment + environmentBytes;
        var end = next + line.Length + fieldCount;

        byte* Put(ReadOnlySpan<byte> field, ref byte* next)
        {
            var start = next;
            var n = SupervisorProtocol.Unescape(field, new Span<byte>(start, (int)(end - start)));
            start[n] = 0;
            next = start + n + 1;
            return start;
        }

        var workingDirectory = Put(fields.Next("working directory"), ref next);
        var stdoutPath = Put(fields.Next("stdout path"), ref next);
        var stderrPath = Put(fields.Next("stderr path"), ref next);
        var exitFilePointer = Put(fields.Next("exit file"), ref next);
        var exitFile = new ReadOnlySpan<byte>(exitFilePointer, (int)(next - exitFilePointer - 1)).ToArray();
        if (!SupervisorProtocol.TryParseInt64(fields.Next("variable count"), out var variableCount) || variableCount < 0 || variableCount > fieldCount)
        {
            throw new FormatException("the variable count is not a number of fields");
        }
        var variables = (byte**)null;
        if (variableCount > 0)
        {
            var given = environment + _spawner.EnvironmentCount;
            for (var i = 0; i < variableCount; i++)
            {
                given[i] = Put(fields.Next("variable"), ref next);
            }
            variables = MergeEnvironment(environment, given, (int)variableCount);
        }
        var argc = 0;
        // Leave slot 0 free for the fallback.
        var argv = table + 1;
        while (fields.TryNext(out var arg))
        {
            argv[argc++] = Put(arg, ref next);
        }
        if (argc == 0)
        {
            throw new FormatException("spawn without a program");
        }
        argv[argc] = null;

        if (Native.GetParentProcessId() != _orchestrator)
        {
            Replies.Failed(id, "the orchestrator that asked for it has ended");
            return;
        }
        var spawnedAt = Time.GetTimestamp();
        var spawnerPeak = Native.OwnPeakRss();
        var error = _spawner.Spawn(argv[0], argv, workingDirectory, stdoutPath, stderrPath, variables, out var pid);
        if (error == Native.ENOEXEC)
        {
            // A file that is executable but no binary and has no #! line: run it with sh, as a shell would.
            fixed (byte* sh = "/bin/sh\0"u8)
            {
                table[0] = sh;
                error = _spawner.Spawn(sh, table, workingDirectory, stdoutPath, stderrPath, variables, out pid);
            }
        }
        if (error != 0)
        {
            Replies.Failed(id, Marshal.GetPInvokeErrorMessage(error));
            return;
        }

        // The program is our child and is not reaped before it is watched: its stat is there to read.
        var startTime = ProcessIdentity.TryGetStartTime(pid) ?? 0;
        // The attempt's pid file, before the reply: should the orchestrator die before it records the pid, the
        // next one still finds the program (and tells it from a reuse of the pid) from the attempt directory.
        var pidFileError = AttemptPidFile.TryWrite(exitFile, new ProcessIdentity(pid, startTime));
        if (pidFileError != 0)
        {
            Replies.Error("cannot write the pid file next to '" + Encoding.UTF8.GetString(exitFile) + "': " + Marshal.GetPInvokeErrorMessage(pidFileError));
        }
        var attempt = new SupervisedAttempt(this, id, pid, startTime, exitFile, spawnedAt, spawnerPeak);
        lock (_gate)
        {
            _attempts[id] = attempt;
        }
        // Reply before watching: once watched, the end (and its reply) may come at once from the reaper thread.
        Replies.Started(id, pid, startTime);
        if (!_reaper.TryWatch(pid, attempt, out var watchError))
        {
            attempt.Unwatchable("pidfd_open: " + Marshal.GetPInvokeErrorMessage(watchError));
        }
    }

    /// <summary>
    /// Writes into <paramref name="table"/> the inherited variables that <paramref name="given"/> does not replace,
    /// and moves the given ones (which lie just past where the inherited ones would end) down behind them.
    /// </summary>
    private byte** MergeEnvironment(byte** table, byte** given, int count)
    {
        var inherited = _spawner.Environment;
        var n = 0;
        for (var i = 0; inherited[i] != null; i++)
        {
            var replaced = false;
            for (var g = 0; g < count && !replaced; g++)
            {
                replaced = SameName(inherited[i], given[g]);
            }
            if (!replaced)
            {
                table[n++] = inherited[i];
            }
        }
        // n <= inherited count, so each move reads a slot at or after the one it writes.
        for (var g = 0; g < count; g++)
        {
            table[n++] = given[g];
        }
        table[n] = null;
        return table;
    }

    private static bool SameName(byte* a, byte* b)
    {
        for (var i = 0; ; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
            if (a[i] == (byte)'=' || a[i] == 0)
            {
                return true;
            }
        }
    }

    private byte* Arena(int size)
    {
        if (size > _arenaSize)
        {
            NativeMemory.Free(_arena);
            _arenaSize = Math.Max(size, 4096);
            _arena = (byte*)NativeMemory.Alloc((nuint)_arenaSize);
        }
        return _arena;
    }

    private static long ParseId(ReadOnlySpan<byte> field) =>
        SupervisorProtocol.TryParseInt64(field, out var id) ? id : throw new FormatException("the id is not a number");

    private void OnReaperFailed(Exception e)
    {
        // Without the reaper no end is seen any more: stop, so the executor notices and cleans up.
        Replies.Error("the supervisor's reaper failed: " + e.Message);
        Environment.Exit(70);
    }

    public void Dispose()
    {
        _reaper.Dispose();
        _spawner.Dispose();
        _drained.Dispose();
        NativeMemory.Free(_arena);
        _arena = null;
    }
}
