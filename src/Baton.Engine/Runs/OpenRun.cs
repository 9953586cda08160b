using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Reconciliation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Runs;

/// <summary>
/// A run that takes tasks as it goes: a typed experiment starts it empty, adds each task it submits (tasks whose
/// upstreams are Done start at once, while others still run), hears of every task that settles, and closes it when
/// it will submit nothing more. The workflow is keyed by its name alone; its tasks by identity, so a task Done in an
/// earlier run of the experiment stays Done.
/// </summary>
public sealed partial class OpenRun : IAsyncDisposable
{
    // How often a task another run holds is looked at again (as the foreign-task watcher of a workflow's run does).
    private static readonly TimeSpan HeldPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly IBatonStore _store;
    private readonly WorkspaceLayout _layout;
    private readonly RunOptions _options;
    private readonly TimeProvider _time;
    private readonly RunLoop _loop;
    private readonly Task<RunSummary> _running;
    private readonly CancellationTokenSource _interrupt;
    private readonly SemaphoreSlim _adding = new(1, 1);
    private readonly List<TaskSpec> _tasks = [];
    private readonly List<int[]> _upstream = [];
    private readonly string _name;
    private readonly string _sourceFile;
    private readonly string _workflowDirectory;
    private readonly ILogger _logger;
    private RunSummary? _summary;

    private OpenRun(
        IBatonStore store, WorkspaceLayout layout, RunOptions options, TimeProvider time, RunLoop loop,
        Task<RunSummary> running, CancellationTokenSource interrupt, long workflowId, long runId, WorkflowGraph empty, RunProgress progress, ILogger logger)
    {
        _logger = logger;
        Progress = progress;
        _store = store;
        _layout = layout;
        _options = options;
        _time = time;
        _loop = loop;
        _running = running;
        _interrupt = interrupt;
        WorkflowId = workflowId;
        RunId = runId;
        _name = empty.Name;
        _sourceFile = empty.SourceFile;
        _workflowDirectory = empty.WorkflowDirectory;
    }

    public long WorkflowId { get; }

    public long RunId { get; }

    /// <summary>Live counts, for display.</summary>
    public RunProgress Progress { get; }

    /// <summary>The run's loop: completes when it ends (interrupted, or closed and nothing left), before the store records how.</summary>
    internal Task<RunSummary> Running => _running;

    /// <summary>
    /// Registers the workflow <paramref name="name"/> (with no tasks yet), opens a run and starts its loop.
    /// <paramref name="moved"/> hears, on the loop's thread, of each attempt that starts running and each task that reaches a final state; it must not block.
    /// </summary>
    public static async Task<OpenRun> StartAsync(
        string name,
        string sourceFile,
        string workflowDirectory,
        IBatonStore store,
        IExecutor executor,
        WorkspaceLayout layout,
        RunOptions options,
        Action<TaskMoved>? moved,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await StartAsync(name, sourceFile, workflowDirectory, store, executor, layout, options, moved, new RunProgress(), new CancellationTokenSource(), null,
            timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance, cancellationToken);
    }

    /// <summary>
    /// As the public <c>StartAsync</c>, for a node that hosts the run (<see cref="Node.NodeEngine"/>): it shares the
    /// run's progress and interrupt, and hears of the run's control once the loop runs (kill, set, limit).
    /// </summary>
    internal static async Task<OpenRun> StartAsync(
        string name,
        string sourceFile,
        string workflowDirectory,
        IBatonStore store,
        IExecutor executor,
        WorkspaceLayout layout,
        RunOptions options,
        Action<TaskMoved>? moved,
        RunProgress progress,
        CancellationTokenSource interrupt,
        Action<IRunControl>? onStarted,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var empty = new WorkflowGraph(name, new Dictionary<string, string>(), sourceFile, workflowDirectory, [], []);
        var registration = await store.RegisterWorkflowAsync(empty, [], [], time.GetUtcNow(), cancellationToken);
        var runId = await store.StartRunAsync(registration.WorkflowId, Environment.MachineName, Environment.ProcessId, options.SubmittedBy, time.GetUtcNow(), cancellationToken);
        options.Events?.Refresh();
        var loop = new RunLoop(empty, registration, runId, [], [], store, executor, layout, options, progress, time, loggers.CreateLogger<RunLoop>())
        {
            Moved = moved,
        };
        loop.AcceptTasks();
        var running = Task.Run(() => loop.RunAsync(onStarted, started, interrupt.Token), CancellationToken.None);
        var run = new OpenRun(store, layout, options, time, loop, running, interrupt, registration.WorkflowId, runId, empty, progress, loggers.CreateLogger<OpenRun>());
        return run;
    }

    /// <summary>
    /// Adds tasks. <paramref name="upstream"/> holds, for each, the indices of the tasks it runs after: tasks added
    /// before, or earlier in this call. Returns the index of the first added task; indices are those that
    /// <see cref="TaskMoved.Task"/> reports.
    /// </summary>
    public async Task<int> AddAsync(IReadOnlyList<TaskSpec> tasks, IReadOnlyList<int[]> upstream, IReadOnlyList<string> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(parameters);
        if (tasks.Count != upstream.Count || tasks.Count != parameters.Count)
        {
            throw new ArgumentException($"{tasks.Count} tasks need as many upstream lists and params.json texts");
        }
        await _adding.WaitAsync(cancellationToken);
        var first = _tasks.Count;
        try
        {
            for (var i = 0; i < tasks.Count; i++)
            {
                if (upstream[i].Any(u => u < 0 || u >= first + i))
                {
                    throw new ArgumentException($"task '{tasks[i].Name}' runs after a task that is not added before it");
                }
            }
            _tasks.AddRange(tasks);
            _upstream.AddRange(upstream);
            var graph = new WorkflowGraph(_name, new Dictionary<string, string>(), _sourceFile, _workflowDirectory, [.. _tasks], [.. _upstream]);
            WorkflowRunner.EnsurePlaceable(graph, _options.Capacity);
            var directories = tasks.Select(t => _layout.TaskDirectory(t.Template.Name, t.Identity)).ToArray();
            var registration = await _store.AddTasksAsync(WorkflowId, graph, first, directories, parameters, _time.GetUtcNow(), cancellationToken);
            registration = await ClaimAsync(registration, tasks, cancellationToken);
            await _loop.AddTasksAsync(graph, registration, directories, [.. parameters]);
            return first;
        }
        catch
        {
            _tasks.RemoveRange(first, _tasks.Count - first);
            _upstream.RemoveRange(first, _upstream.Count - first);
            throw;
        }
        finally
        {
            _adding.Release();
        }
    }

    /// <summary>
    /// Raises the retries after a timeout of a task already added (the same resumable task submitted again with a
    /// higher <c>max_retries</c>: the higher wins); a lower value changes nothing.
    /// </summary>
    public async Task RaiseTimeoutRetriesAsync(int task, int retries, CancellationToken cancellationToken)
    {
        await _adding.WaitAsync(cancellationToken);
        try
        {
            if (task < 0 || task >= _tasks.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(task), $"task {task} has not been added");
            }
            if (_tasks[task].TimeoutRetries < retries)
            {
                _tasks[task] = _tasks[task] with { TimeoutRetries = retries };
                _loop.RaiseTimeoutRetries(task, retries);
            }
        }
        finally
        {
            _adding.Release();
        }
    }

    /// <summary>No more tasks: waits for the run to end and records how it ended.</summary>
    public async Task<RunSummary> CompleteAsync()
    {
        _loop.CloseAdditions();
        return await EndAsync();
    }

    /// <summary>Interrupts the run: running attempts are killed, tasks not started wait for the next run.</summary>
    public async Task<RunSummary> InterruptAsync()
    {
        await _interrupt.CancelAsync();
        return await EndAsync();
    }

    private async Task<RunSummary> EndAsync()
    {
        if (_summary is not null)
        {
            return _summary;
        }
        RunSummary summary;
        try
        {
            summary = await _running;
        }
        catch
        {
            await _store.FinishRunAsync(RunId, RunStatus.Interrupted, _time.GetUtcNow(), CancellationToken.None);
            _options.Events?.Refresh();
            await _store.ReleaseClaimsAsync(RunId, CancellationToken.None);
            throw;
        }
        var status = summary.Interrupted ? RunStatus.Interrupted : summary.Succeeded ? RunStatus.Done : RunStatus.Failed;
        await _store.FinishRunAsync(RunId, status, _time.GetUtcNow(), CancellationToken.None);
        _options.Events?.Refresh();
        await _store.ReleaseClaimsAsync(RunId, CancellationToken.None);
        _summary = summary with { WorkflowId = WorkflowId };
        return _summary;
    }

    /// <summary>
    /// Claims the added tasks that are not Done for this run (see <see cref="RunOptions.Owners"/>), so that a
    /// <c>baton run</c> or another experiment sharing them never runs one at the same time. A task another live run
    /// holds is waited for (polled, as <see cref="ForeignTaskWatcher"/> does for a workflow's run): until that run
    /// settles it (this run follows its Done) or lets it go. Returns the registration with the claimed tasks' current
    /// state, read in the claim's transaction.
    /// </summary>
    private async Task<WorkflowRegistration> ClaimAsync(WorkflowRegistration registration, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken)
    {
        if (_options.Owners is not { } probe)
        {
            return registration;
        }
        var self = probe.Current(RunId);
        var index = new Dictionary<long, int>();
        for (var t = 0; t < registration.TaskIds.Length; t++)
        {
            if (registration.States[t] != TaskState.Done)
            {
                index[registration.TaskIds[t]] = t;
            }
        }
        var states = (TaskState[])registration.States.Clone();
        var attempts = (int[])registration.AttemptCounts.Clone();
        var last = (int[])registration.LastAttemptNumbers.Clone();
        var held = new List<string>();
        while (index.Count > 0)
        {
            held.Clear();
            var claims = await TaskClaimer.ClaimAsync(_store, probe, self, [.. index.Keys], _time, cancellationToken);
            foreach (var claim in claims)
            {
                var t = index[claim.TaskId];
                if (claim.Owner == self || claim.State == TaskState.Done)
                {
                    states[t] = claim.State;
                    attempts[t] = claim.AttemptCount;
                    last[t] = claim.LastAttemptNumber;
                    index.Remove(claim.TaskId);
                }
                else
                {
                    held.Add($"'{tasks[t].Name}' (run {claim.Owner.RunId})");
                }
            }
            if (index.Count == 0)
            {
                break;
            }
            if (held.Count > 0 && _logger.IsEnabled(LogLevel.Information))
            {
                var described = string.Join(", ", held);
                LogHeldElsewhere(_logger, _name, described);
            }
            await Task.Delay(HeldPollInterval, _time, cancellationToken);
        }
        return registration with { States = states, AttemptCounts = attempts, LastAttemptNumbers = last };
    }

    public async ValueTask DisposeAsync()
    {
        if (_summary is null && !_running.IsCompleted)
        {
            await InterruptAsync();
        }
        await _loop.DisposeAsync();
        _interrupt.Dispose();
        _adding.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "experiment {Workflow}: waiting for tasks another run holds: {Tasks}")]
    private static partial void LogHeldElsewhere(ILogger logger, string workflow, string tasks);
}
