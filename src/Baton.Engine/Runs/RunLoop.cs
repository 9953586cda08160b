using System.Threading.Channels;
using Baton.Core.Executors;
using Baton.Core.Gpus;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Events;
using Baton.Engine.Groups;
using Baton.Engine.Hooks;
using Baton.Engine.Persistence;
using Baton.Engine.Reconciliation;
using Baton.Engine.Scheduling;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Runs;

/// <summary>
/// The event loop of one run. One logical thread owns all task state: events (an attempt ended, a kill was
/// requested, the run was interrupted) arrive on a channel and are handled one at a time, so no state change ever
/// races another. Every change goes through <see cref="Transition"/>, which checks <see cref="TaskLifecycle"/> and
/// hands the change to the group-committing <see cref="StateWriter"/>. Scheduling is event-driven: nothing polls.
/// </summary>
internal sealed partial class RunLoop : IRunControl, IAsyncDisposable
{
    private WorkflowGraph _graph;
    private readonly long _runId;
    private long[] _taskIds;
    private string[] _directories;
    private string[] _parameters;
    private readonly IBatonStore _store;
    private readonly IExecutor _executor;
    private readonly WorkspaceLayout _layout;
    private readonly RunProgress _progress;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private TaskState[] _state;
    private int[] _attemptsUsed;
    private int[] _lastAttempt;
    private int[] _waitingOn;
    private int[] _template;
    private readonly ResourcePool _pool;
    private readonly ReadyQueue _ready;
    // What each task asks for now: the graph's values until `baton set` changes them for a task not started yet.
    private ResourceRequest[] _resources;
    private int[] _priority;
    private Allocation?[] _allocations;
    private readonly ResourceCapacity _capacity;
    private int[] _scaledRetries;
    // Infrastructure failures retried without counting against max_attempts (RetryPolicy.RetriesFree).
    private int[] _freeRetries;
    private readonly AdmissionControl _admission;
    private readonly List<int> _unparked = [];
    private readonly bool _failFast;
    private bool _stopStarting;
    private readonly Dictionary<int, IAttemptHandle> _running = [];
    private readonly List<(HashSet<int> Pending, TaskCompletionSource Done)> _killWaiters = [];
    private readonly Channel<RunEvent> _events = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private StateWriter? _writer;
    private GroupHooks? _groups;
    // Started at the first task with hooks; the run ends after the hooks it queued have run.
    private TaskHookRunner? _taskHooks;
    private IReadOnlyList<ReattachedAttempt> _reattached = [];
    // Tasks whose re-attached attempt is being killed so that they start afresh (cold resume, or a kill that an
    // earlier orchestrator did not see through): when it ends, they go back in line instead of ending Killed.
    private readonly HashSet<int> _restartAfterKill = [];
    private readonly ResumeMode _resumeMode;
    private readonly InterruptMode _interruptMode;
    private readonly EventHub? _hub;
    // Tasks another run holds (see ForeignTaskWatcher): this run never changes their state, it follows it.
    private bool[] _foreign;
    private int _foreignPending;
    private bool _interrupted;
    private int _done;
    private int _failed;
    private int _killed;

    public RunLoop(
        WorkflowGraph graph,
        WorkflowRegistration registration,
        long runId,
        string[] directories,
        string[] parameters,
        IBatonStore store,
        IExecutor executor,
        WorkspaceLayout layout,
        RunOptions options,
        RunProgress progress,
        TimeProvider time,
        ILogger logger)
    {
        _graph = graph;
        _runId = runId;
        _taskIds = registration.TaskIds;
        _directories = directories;
        _parameters = parameters;
        _store = store;
        _executor = executor;
        _layout = layout;
        _progress = progress;
        _time = time;
        _logger = logger;
        _state = (TaskState[])registration.States.Clone();
        _attemptsUsed = (int[])registration.AttemptCounts.Clone();
        _lastAttempt = (int[])registration.LastAttemptNumbers.Clone();
        _waitingOn = new int[graph.Tasks.Count];
        _foreign = new bool[graph.Tasks.Count];
        _interruptMode = options.Interrupt;
        _hub = options.Events;
        _pool = options.SharedPool ?? (options.GpusPlacedByExecutor
            ? ResourcePool.WithGpusPlacedByExecutor(options.Capacity)
            : new ResourcePool(options.Capacity, options.Gpus, options.GpuProbe ?? DeclaredGpuMemory.None));
        _ready = new ReadyQueue(options.Scheduling, time);
        _resources = graph.Tasks.Select(s => s.Resources).ToArray();
        _priority = graph.Tasks.Select(s => s.Priority).ToArray();
        _allocations = new Allocation?[graph.Tasks.Count];
        _resumeMode = options.Resume;
        _capacity = options.Capacity;
        _scaledRetries = new int[graph.Tasks.Count];
        _freeRetries = new int[graph.Tasks.Count];
        _failFast = options.FailFast || graph.FailFast;

        var templateIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        _template = new int[graph.Tasks.Count];
        for (var t = 0; t < _template.Length; t++)
        {
            var name = graph.Tasks[t].Template.Name;
            if (!templateIndex.TryGetValue(name, out var index))
            {
                index = templateIndex.Count;
                templateIndex.Add(name, index);
            }
            _template[t] = index;
        }
        var templateNames = templateIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
        _admission = new AdmissionControl(graph, templateNames, _template, options.Tokens);
        _progress.Initialize(templateNames, _template, _state);
    }

    public string Workflow => _graph.Name;

    public long RunId => _runId;

    public async Task<RunSummary> RunAsync(Action<IRunControl>? onStarted, long startedTimestamp, CancellationToken cancellationToken)
    {
        var alreadyDone = _progress.AlreadyDone;
        await using (_writer = new StateWriter(_store, _logger, _hub))
        {
            Resume();
            _groups = _graph.Groups.Count > 0 ? new GroupHooks(_graph, _state, _layout, _logger) : null;
            onStarted?.Invoke(this);
            _pool.Released += OnReleasedElsewhere;
            await using (cancellationToken.Register(() => _events.Writer.TryWrite(new Interrupt())))
            {
                Dispatch();
                while (!Finished())
                {
                    var next = await _events.Reader.ReadAsync(CancellationToken.None);
                    Handle(next);
                    // Handle everything already queued before dispatching once: fewer passes over the ready queue.
                    while (_events.Reader.TryRead(out next))
                    {
                        Handle(next);
                    }
                    Dispatch();
                    WakeIfStuck();
                }
            }
            _pool.Released -= OnReleasedElsewhere;
            _events.Writer.TryComplete();
            // Requests that arrived as the run ended get an answer instead of waiting forever.
            while (_events.Reader.TryRead(out var late))
            {
                if (late is KillRequest kill)
                {
                    kill.Reply.TrySetResult(new KillReport(kill.TaskNames.Select(n => (n, "the run had already ended")).ToList()));
                }
                RefuseLate(late);
            }
        }
        if (_taskHooks is not null)
        {
            await _taskHooks.DrainAsync();
        }
        alreadyDone = _progress.AlreadyDone; // tasks added while the run went on may have been Done already
        var notRun = _graph.Tasks.Count - alreadyDone - _done - _failed - _killed;
        return new RunSummary(
            _runId,
            0,
            _graph.Tasks.Count,
            alreadyDone,
            _done,
            _failed,
            _killed,
            notRun,
            _progress.AttemptsStarted,
            _interrupted,
            _time.GetElapsedTime(startedTimestamp))
        {
            LeftRunning = _interruptMode == InterruptMode.Detach && _interrupted ? _running.Count : 0,
        };
    }

    /// <summary>Flushes the state writer if <see cref="RunAsync"/> did not get to.</summary>
    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private bool Finished() =>
        (_interrupted && _interruptMode == InterruptMode.Detach)
        || (_running.Count == 0
            && (_interrupted || ((_ready.Count == 0 || _stopStarting) && _foreignPending == 0 && (!AcceptsTasks || _stopStarting))));

    private void Handle(RunEvent e)
    {
        switch (e)
        {
            case AttemptEndedEvent ended:
                OnAttemptEnded(ended.Task, ended.Attempt, ended.Result);
                break;
            case AttemptRunningEvent running:
                if (_state[running.Task] == TaskState.Submitted && _lastAttempt[running.Task] == running.Attempt && _running.ContainsKey(running.Task))
                {
                    Transition(running.Task, TaskState.Running);
                }
                break;
            case KillRequest kill:
                OnKillRequested(kill);
                break;
            case Interrupt:
                OnInterrupt();
                break;
            case ForeignNewsEvent foreign:
                OnForeignNews(foreign.News);
                break;
            case LimitRequest limit:
                OnLimitRequested(limit);
                break;
            case TasksAdded or NoMoreTasks or TimeoutRetriesRaised:
                HandleAddition(e);
                break;
            default:
                HandleControl(e);
                break;
        }
    }

    /// <summary>The only place a task's state changes during a run.</summary>
    private void Transition(int t, TaskState to, FailureReason reason = FailureReason.None, string? message = null, int? attemptCount = null)
    {
        var from = _state[t];
        switch (TaskLifecycle.Check(from, to))
        {
            case TransitionVerdict.NoOp:
                return;
            case TransitionVerdict.Untimely:
                LogUntimely(_logger, _graph.Tasks[t].Name, from, to);
                return;
            case TransitionVerdict.Illegal:
                throw new IllegalTransitionException(_graph.Tasks[t].Name, from, to);
        }
        _state[t] = to;
        var at = _time.GetUtcNow();
        _progress.Move(_template[t], from, to, _graph.Tasks[t].Name, at);
        _writer!.Write(new TaskStateChanged(_taskIds[t], _runId, from, to, reason, message, at, attemptCount));
        NotifyMoved(t, from, to, reason);
        if (_graph.Tasks[t].Hooks.Any)
        {
            (_taskHooks ??= new TaskHookRunner(_graph.Name, _graph.WorkflowDirectory, _layout, _logger)).Moved(_graph.Tasks[t], _directories[t], _lastAttempt[t], from, to);
        }
        if (to.IsTerminal())
        {
            _groups?.Ended(t);
        }
        if (to.IsTerminal() && _killWaiters.Count > 0)
        {
            for (var i = _killWaiters.Count - 1; i >= 0; i--)
            {
                var (pending, done) = _killWaiters[i];
                if (pending.Remove(t) && pending.Count == 0)
                {
                    _killWaiters.RemoveAt(i);
                    done.TrySetResult();
                }
            }
        }
    }

    private abstract record RunEvent;

    private sealed record LimitRequest(string? Template, int MaxConcurrent, TaskCompletionSource<bool> Reply) : RunEvent;

    private sealed record AttemptEndedEvent(int Task, int Attempt, AttemptResult Result) : RunEvent;

    private sealed record AttemptRunningEvent(int Task, int Attempt) : RunEvent;

    private sealed record KillRequest(IReadOnlyCollection<string> TaskNames, TaskCompletionSource<KillReport> Reply) : RunEvent;

    private sealed record Interrupt : RunEvent;

    private sealed record ForeignNewsEvent(ForeignTaskNews News) : RunEvent;

    [LoggerMessage(Level = LogLevel.Debug, Message = "task {Task} attempt {Attempt} ended {Outcome} (exit code {ExitCode})")]
    private static partial void LogAttemptEnded(ILogger logger, string task, int attempt, AttemptOutcome outcome, int? exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {Task} attempt {Attempt} could not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string task, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the executor failed unexpectedly to start task {Task} attempt {Attempt}")]
    private static partial void LogExecutorBug(ILogger logger, Exception exception, string task, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "ignored a late report for task {Task}: {From} -> {To} (the task already moved on)")]
    private static partial void LogUntimely(ILogger logger, string task, TaskState from, TaskState to);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {Task} failed and the run fails fast: no new task starts")]
    private static partial void LogFailFast(ILogger logger, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "run interrupted: leaving {Count} running attempts running (the next run re-attaches)")]
    private static partial void LogDetached(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "run interrupted: killing {Count} running attempts")]
    private static partial void LogInterrupted(ILogger logger, int count);
}
