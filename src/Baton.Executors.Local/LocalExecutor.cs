using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Workspaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Executors.Local;

/// <summary>
/// Runs each attempt as a process on this machine, in a session and process group of its own. The programs are
/// started, watched and recorded (exit.json) by one long-lived supervisor process per executor,
/// <c>baton-supervisor</c>, which outlives the orchestrator when it dies (see docs/executors.md). Linux only.
/// </summary>
public sealed class LocalExecutor : IExecutor
{
    /// <summary>The supervisor program's name: the apphost, and with ".dll" its assembly, next to this assembly.</summary>
    internal const string SupervisorName = "baton-supervisor";

    // How long DisposeAsync waits for a supervisor with nothing left to do to exit before killing it.
    private static readonly TimeSpan SupervisorExitPatience = TimeSpan.FromSeconds(10);

    // How long a re-attach waits for the pid file of a program that was spawned (see ReattachAsync).
    private static readonly TimeSpan PidFilePatience = TimeSpan.FromSeconds(10);

    private readonly ProgramResolver _resolver;
    private readonly ConcurrentDictionary<LocalAttemptHandle, byte> _running = new();
    private readonly Spawner _spawner;
    // Serialises starting with disposal, so no start slips past DisposeAsync, and starts the supervisor once.
    private readonly Lock _startGate = new();
    // Guarded by _startGate.
    private SupervisorClient? _supervisor;
    private bool _disposed;
    private readonly MemoryWatcher _memory;

    public LocalExecutor(LocalExecutorOptions? options = null, ILogger<LocalExecutor>? logger = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new LocalExecutorOptions();
        if (Options.KillGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.KillGracePeriod, "the kill grace period must not be negative");
        }
        Logger = logger ?? NullLogger<LocalExecutor>.Instance;
        Time = timeProvider ?? TimeProvider.System;
        // PATH is read once: the orchestrator's environment does not change under it.
        _resolver = new ProgramResolver(Options.SearchPath ?? Environment.GetEnvironmentVariable("PATH"));
        Host = Environment.MachineName;
        // The attempts' environment is the orchestrator's, taken once, like PATH: the supervisor gets it and
        // passes it on to every program.
        _spawner = new Spawner(Environment.GetEnvironmentVariables());
        // A task may kill its supervisor (kill -9 $PPID): as a child subreaper, this process inherits the attempts
        // the supervisor leaves and reads their true ends (LocalAttemptHandle.OnSupervisorLost). Idempotent.
        if (Native.BecomeChildSubreaper() is var errno and not 0)
        {
            Log.NoSubreaper(Logger, errno);
        }
        if (Options.MemoryCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.MemoryCheckInterval, "the memory check interval must be positive");
        }
        _memory = new MemoryWatcher(this);
    }

    public string Name => "local";

    internal LocalExecutorOptions Options { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal string Host { get; }

    internal ProgramResolver Resolver => _resolver;

    internal MemoryWatcher Memory => _memory;

    /// <summary>Attempts started and not yet ended.</summary>
    public int RunningCount => _running.Count;

    /// <summary>The pid of the supervisor process, when one runs (it is started with the first attempt).</summary>
    public int? SupervisorProcessId
    {
        get
        {
            lock (_startGate)
            {
                return _supervisor is { IsDead: false } s ? s.ProcessId : null;
            }
        }
    }

    public ValueTask<IAttemptHandle> StartAsync(AttemptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IAttemptHandle>(cancellationToken);
        }
        // Checks and the request to the supervisor happen here; the task completes when the supervisor confirms
        // that the program runs (or says why it could not start it: ExecutorStartException).
        try
        {
            return new ValueTask<IAttemptHandle>(Start(request).Started);
        }
        catch (ExecutorStartException e)
        {
            Log.StartFailed(Logger, request.TaskName, request.Attempt, e.Message);
            return ValueTask.FromException<IAttemptHandle>(e);
        }
        catch (ObjectDisposedException e)
        {
            return ValueTask.FromException<IAttemptHandle>(e);
        }
    }

    /// <summary>
    /// Finds an attempt that an earlier orchestrator started: its exit.json when it has one; otherwise its program,
    /// by pid and start time (from the store's executor id "PID@STARTTIME", else from the attempt's pid file that
    /// the supervisor wrote), followed until it is gone; Lost when it is gone without a record. A pid that now
    /// belongs to another process (another start time) is not the attempt.
    /// </summary>
    public async ValueTask<IAttemptHandle> ReattachAsync(AttemptRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        cancellationToken.ThrowIfCancellationRequested();
        if (!string.Equals(attempt.Host, Host, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"attempt {attempt.Attempt} of task {attempt.TaskName} ran on host '{attempt.Host}'; the local executor on '{Host}' cannot reach it");
        }
        var directory = Path.GetFullPath(attempt.AttemptDirectory, Path.GetFullPath(attempt.WorkingDirectory));
        ProcessIdentity? identity = ProcessIdentity.TryParse(attempt.ExecutorId, out var recorded) ? recorded : AttemptPidFile.TryRead(directory);
        if (identity is null && File.Exists(WorkspaceLayout.StdoutFile(directory)) && !File.Exists(WorkspaceLayout.ExitFile(directory)))
        {
            // The program was spawned (its stdout exists) but its pid file is not there yet: the supervisor writes it
            // right after the spawn, so it comes at once unless that supervisor is gone.
            var waited = Time.GetTimestamp();
            var delay = TimeSpan.FromMilliseconds(5);
            while ((identity = AttemptPidFile.TryRead(directory)) is null
                && !File.Exists(WorkspaceLayout.ExitFile(directory))
                && Time.GetElapsedTime(waited) < PidFilePatience)
            {
                await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 > TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : delay * 2;
            }
        }
        var handle = new ReattachedAttemptHandle(this, attempt with { AttemptDirectory = directory }, identity);
        handle.Follow();
        return handle;
    }

    private LocalAttemptHandle Start(AttemptRequest request)
    {
        if (request.Argv.Count == 0)
        {
            throw new ExecutorStartException($"task {request.TaskName} has an empty command");
        }
        for (var i = 0; i < request.Argv.Count; i++)
        {
            // execve takes C strings: a NUL would silently cut the argument short.
            if (request.Argv[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new ExecutorStartException($"argument {i} of task {request.TaskName} contains a NUL character");
            }
        }
        if (AttemptVariables.Validate(request.Environment) is { } badVariable)
        {
            throw new ExecutorStartException($"task {request.TaskName}: {badVariable}");
        }
        var workingDirectory = Path.GetFullPath(request.WorkingDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new ExecutorStartException($"working directory '{workingDirectory}' does not exist");
        }
        var program = _resolver.Resolve(request.Argv[0], workingDirectory);

        var attemptDirectory = Path.GetFullPath(request.AttemptDirectory, workingDirectory);
        try
        {
            Directory.CreateDirectory(attemptDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ExecutorStartException($"cannot create attempt directory '{attemptDirectory}': {e.Message}", e);
        }
        var exitFile = WorkspaceLayout.ExitFile(attemptDirectory);

        // The program gets its resolved path as argv[0], as before under a shell's "$@".
        var argv = new string[request.Argv.Count];
        argv[0] = program;
        for (var i = 1; i < argv.Length; i++)
        {
            argv[i] = request.Argv[i];
        }

        lock (_startGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_supervisor is null || _supervisor.IsDead)
            {
                _supervisor = SupervisorClient.Start(this, _spawner, SupervisorCommand());
                Log.SupervisorStarted(Logger, _supervisor.ProcessId);
            }
            var handle = new LocalAttemptHandle(this, _supervisor, request, attemptDirectory, exitFile);
            _running.TryAdd(handle, 0);
            if (!_supervisor.TrySpawn(handle, workingDirectory, WorkspaceLayout.StdoutFile(attemptDirectory), WorkspaceLayout.StderrFile(attemptDirectory), exitFile, Variables(request), argv))
            {
                _running.TryRemove(handle, out _);
                throw new ExecutorStartException(
                    $"cannot start attempt {request.Attempt} of task {request.TaskName}: the local executor's supervisor (pid {_supervisor.ProcessId}) has ended");
            }
            return handle;
        }
    }

    /// <summary>The request's variables as <c>NAME=VALUE</c>, and the deadline when the attempt has a runtime limit.</summary>
    private List<string> Variables(AttemptRequest request)
    {
        var variables = new List<string>(request.Environment.Count + 1);
        foreach (var (name, value) in request.Environment)
        {
            if (name != AttemptVariables.Deadline)
            {
                variables.Add(name + "=" + value);
            }
        }
        if (request.Resources.Runtime is { } runtime)
        {
            // The runtime limit is enforced from the moment the supervisor confirms the start, a little after now:
            // the deadline a task sees is never later than the kill.
            var deadline = Time.GetUtcNow().Add(runtime).ToUnixTimeSeconds();
            variables.Add(AttemptVariables.Deadline + "=" + deadline.ToString(CultureInfo.InvariantCulture));
        }
        return variables;
    }

    /// <summary>
    /// How to run the supervisor: with the runtime this process runs on (<c>dotnet exec</c>), which is there
    /// whenever this process runs on a shared runtime; otherwise its apphost, which finds a runtime itself.
    /// </summary>
    private string[] SupervisorCommand()
    {
        var location = typeof(LocalExecutor).Assembly.Location;
        var directory = location.Length > 0 ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;
        var assembly = Path.Combine(directory, SupervisorName + ".dll");
        var apphost = Path.Combine(directory, SupervisorName);
        var grace = ((long)Math.Min(Options.KillGracePeriod.TotalMilliseconds, int.MaxValue)).ToString(CultureInfo.InvariantCulture);
        // The supervisor starts programs only while this process is its parent (see Supervisor).
        var orchestrator = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var muxer = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        if (File.Exists(assembly) && File.Exists(muxer))
        {
            return [muxer, "exec", assembly, "--grace-ms", grace, "--orchestrator", orchestrator];
        }
        if (File.Exists(apphost))
        {
            return [apphost, "--grace-ms", grace, "--orchestrator", orchestrator];
        }
        throw new ExecutorStartException($"the local executor's supervisor program is missing: neither '{assembly}' nor '{apphost}' exists");
    }

    internal void Forget(LocalAttemptHandle handle)
    {
        _running.TryRemove(handle, out _);
        _memory.Forget(handle);
    }

    /// <summary>Called by a supervisor's reader once it has ended and its attempts have been dealt with.</summary>
    internal void OnSupervisorEnded(SupervisorClient supervisor)
    {
        lock (_startGate)
        {
            // The next start starts a new one.
            if (_supervisor == supervisor)
            {
                _supervisor = null;
            }
        }
    }

    /// <summary>
    /// Lets go of every running attempt without killing it (the orchestrator detaches): the supervisor's input is
    /// closed, so it goes on recording the attempts' ends in their exit.json and exits after the last one; a later
    /// orchestrator re-attaches (<see cref="ReattachAsync"/>). The executor starts nothing after this.
    /// </summary>
    public void Detach()
    {
        lock (_startGate)
        {
            _disposed = true;
            _supervisor?.Abandon();
            _supervisor = null;
            _running.Clear();
        }
    }

    /// <summary>
    /// Test hook: what the supervisor sees when the orchestrator dies (kill -9): its stdin ends, its replies go
    /// nowhere. The executor forgets the running attempts (their handles never complete) as a dead process would.
    /// </summary>
    internal void SimulateOrchestratorDeath()
    {
        lock (_startGate)
        {
            _supervisor?.Abandon();
            _supervisor = null;
            _running.Clear();
        }
    }

    /// <summary>
    /// Kills every attempt still running (their whole process groups) and waits until they have ended, then lets
    /// the supervisor exit.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        LocalAttemptHandle[] running;
        SupervisorClient? supervisor;
        lock (_startGate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            running = _running.Keys.ToArray();
            supervisor = _supervisor;
            _supervisor = null;
        }
        if (running.Length > 0)
        {
            Log.Disposing(Logger, running.Length);
            foreach (var handle in running)
            {
                handle.RequestKill(AttemptOutcome.Killed);
            }
            await Task.WhenAll(running.Select(h => h.Completion)).ConfigureAwait(false);
        }
        _memory.Dispose();
        if (supervisor is not null)
        {
            await supervisor.CloseAsync(SupervisorExitPatience).ConfigureAwait(false);
        }
        _spawner.Dispose();
    }
}
