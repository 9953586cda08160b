using System.Text;
using System.Threading.Channels;
using Baton.Core.Commands;
using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Persistence;
using Baton.Engine.Retry;
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
    private readonly WorkflowGraph _graph;
    private readonly long _runId;
    private readonly long[] _taskIds;
    private readonly string[] _directories;
    private readonly string[] _parameters;
    private readonly IBatonStore _store;
    private readonly IExecutor _executor;
    private readonly WorkspaceLayout _layout;
    private readonly RunProgress _progress;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly TaskState[] _state;
    private readonly int[] _attemptsUsed;
    private readonly int[] _lastAttempt;
    private readonly int[] _waitingOn;
    private readonly int[] _template;
    private readonly ResourcePool _pool;
    private readonly ReadyQueue _ready = new();
    private readonly Dictionary<int, IAttemptHandle> _running = [];
    private readonly List<(HashSet<int> Pending, TaskCompletionSource Done)> _killWaiters = [];
    private readonly Channel<RunEvent> _events = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private StateWriter? _writer;
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
        _pool = new ResourcePool(options.Capacity);

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
        _progress.Initialize(templateIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray(), _template, _state);
    }

    public string Workflow => _graph.Name;

    public async Task<RunSummary> RunAsync(Action<IRunControl>? onStarted, long startedTimestamp, CancellationToken cancellationToken)
    {
        var alreadyDone = _progress.AlreadyDone;
        await using (_writer = new StateWriter(_store, _logger))
        {
            Resume();
            onStarted?.Invoke(this);
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
                }
            }
            _events.Writer.TryComplete();
            // Requests that arrived as the run ended get an answer instead of waiting forever.
            while (_events.Reader.TryRead(out var late))
            {
                if (late is KillRequest kill)
                {
                    kill.Reply.TrySetResult(new KillReport(kill.TaskNames.Select(n => (n, "the run had already ended")).ToList()));
                }
            }
        }
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
            _time.GetElapsedTime(startedTimestamp));
    }

    public async Task<KillReport> KillAsync(IReadOnlyCollection<string> taskNames, CancellationToken cancellationToken)
    {
        var request = new KillRequest(taskNames, new TaskCompletionSource<KillReport>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Flushes the state writer if <see cref="RunAsync"/> did not get to.</summary>
    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private bool Finished() => _running.Count == 0 && (_ready.Count == 0 || _interrupted);

    /// <summary>
    /// Puts every task that is not Done back in line (jobmon's resume): failed and killed tasks wait again with
    /// their attempt count reset, and tasks whose upstreams are all Done become Ready.
    /// </summary>
    private void Resume()
    {
        for (var t = 0; t < _state.Length; t++)
        {
            switch (_state[t])
            {
                case TaskState.Done:
                    continue;
                case TaskState.Submitted or TaskState.Running:
                    // Only one orchestrator runs in a workspace at a time, so an attempt left in flight belongs to one
                    // that died. Reconciling it against its process and exit.json is the crash-recovery step's job.
                    Transition(t, TaskState.Failed, FailureReason.Lost, "the orchestrator that ran this attempt ended without recording its end");
                    break;
                case TaskState.Killing:
                    Transition(t, TaskState.Killed, FailureReason.None, "the orchestrator ended while killing this task");
                    break;
            }
            if (_state[t] is TaskState.Failed or TaskState.Killed or TaskState.Ready)
            {
                Transition(t, TaskState.Waiting, FailureReason.None, "resumed", attemptCount: 0);
            }
            _attemptsUsed[t] = 0;
        }
        for (var t = 0; t < _state.Length; t++)
        {
            if (_state[t] != TaskState.Waiting)
            {
                continue;
            }
            var waitingOn = 0;
            foreach (var u in _graph.Upstream[t])
            {
                if (_state[u] != TaskState.Done)
                {
                    waitingOn++;
                }
            }
            _waitingOn[t] = waitingOn;
            if (waitingOn == 0)
            {
                MakeReady(t);
            }
        }
    }

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
        }
    }

    private void Dispatch()
    {
        // A start that fails may put its task back in line (a retry): go on until nothing more fits.
        while (!_interrupted && DispatchBatch())
        {
        }
    }

    /// <summary>Starts everything that fits now in one call; false when nothing did.</summary>
    private bool DispatchBatch()
    {
        // An executor that queues work elsewhere submits a batch together (SLURM: one job array per group of
        // attempts that ask for the same resources instead of one sbatch per attempt).
        var batch = new List<(int Task, AttemptRequest Request)>();
        var dequeued = false;
        while (_ready.TryDequeueFitting(_pool, out var t))
        {
            dequeued = true;
            // A task killed while queued stays in the queue until it comes up; it is skipped here.
            if (_state[t] == TaskState.Ready && PrepareStart(t) is { } request)
            {
                batch.Add((t, request));
            }
        }
        if (batch.Count == 0)
        {
            return dequeued;
        }
        IReadOnlyList<AttemptStart> starts;
        try
        {
            // Starting is a short hand-over (the local executor's supervisor answers within a round trip). The loop
            // waits for it so that the task's state and the attempt's record stay in step with the executor.
            var start = _executor.StartManyAsync(batch.Select(b => b.Request).ToList(), CancellationToken.None);
            starts = start.IsCompletedSuccessfully ? start.Result : start.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            starts = batch.Select(_ => new AttemptStart(null, ex)).ToList();
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var (t, request) = batch[i];
            if (starts[i].Handle is { } handle)
            {
                Started(t, request.Attempt, handle);
            }
            else
            {
                StartFailed(t, request.Attempt, starts[i].Error ?? new ExecutorStartException("the executor gave no handle"));
            }
        }
        return true;
    }

    /// <summary>Takes the task's resources, moves it to Submitted and builds its request; null when that failed (recorded).</summary>
    private AttemptRequest? PrepareStart(int t)
    {
        var spec = _graph.Tasks[t];
        var number = ++_lastAttempt[t];
        _attemptsUsed[t]++;
        _pool.Take(spec.Resources);
        Transition(t, TaskState.Submitted, FailureReason.None, null, _attemptsUsed[t]);
        _progress.AttemptStarted();
        try
        {
            var argv = PrepareAttempt(t, number);
            return new AttemptRequest(spec.Name, number, argv, _directories[t], WorkspaceLayout.AttemptDirectory(_directories[t], number), spec.Resources);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            StartFailed(t, number, ex);
            return null;
        }
    }

    private void StartFailed(int t, int number, Exception ex)
    {
        // ExecutorStartException, or I/O on the task directory, is the attempt's outcome. Anything else is a
        // bug in an executor; it is logged as an error, but it fails this attempt, not the whole run.
        var spec = _graph.Tasks[t];
        if (ex is not (ExecutorStartException or IOException or UnauthorizedAccessException))
        {
            LogExecutorBug(_logger, ex, spec.Name, number);
        }
        var now = _time.GetUtcNow();
        var attemptDirectory = WorkspaceLayout.AttemptDirectory(_directories[t], number);
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, "", Environment.MachineName, null, attemptDirectory, now));
        _writer.Write(new AttemptEnded(_taskIds[t], number, AttemptOutcome.ExecutorFailed, null, ex.Message, now));
        LogStartFailed(_logger, spec.Name, number, ex.Message);
        _pool.Release(spec.Resources);
        AfterAttempt(t, new AttemptResult(AttemptOutcome.ExecutorFailed, null, now, now, ex.Message));
    }

    private void Started(int t, int number, IAttemptHandle handle)
    {
        var attemptDirectory = WorkspaceLayout.AttemptDirectory(_directories[t], number);
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, handle.ExecutorId, handle.Host, handle.ProcessId, attemptDirectory, handle.StartedAt));
        _running.Add(t, handle);
        // A queued attempt (a pending SLURM job) stays Submitted until its program runs.
        if (handle.Running.IsCompleted)
        {
            Transition(t, TaskState.Running);
        }
        else
        {
            _ = ObserveRunningAsync(t, number, handle);
        }
        _ = ObserveAsync(t, number, handle);
    }

    private async Task ObserveRunningAsync(int t, int number, IAttemptHandle handle)
    {
        await handle.Running.ConfigureAwait(false);
        _events.Writer.TryWrite(new AttemptRunningEvent(t, number));
    }

    private async Task ObserveAsync(int t, int number, IAttemptHandle handle)
    {
        var result = await handle.Completion.ConfigureAwait(false);
        _events.Writer.TryWrite(new AttemptEndedEvent(t, number, result));
    }

    /// <summary>Creates the task directory, writes params.json once and the upstream list when the command reads it.</summary>
    private string[] PrepareAttempt(int t, int number)
    {
        var directory = _directories[t];
        Directory.CreateDirectory(directory);
        var paramsFile = WorkspaceLayout.ParamsFile(directory);
        if (number == 1 || !File.Exists(paramsFile))
        {
            AtomicFile.Write(paramsFile, _parameters[t]);
        }
        var spec = _graph.Tasks[t];
        if (spec.Command.Template.Uses(Builtin.UpstreamDirs))
        {
            var list = new StringBuilder();
            foreach (var u in _graph.Upstream[t])
            {
                list.Append(_directories[u]).Append('\n');
            }
            AtomicFile.Write(WorkspaceLayout.UpstreamDirsFile(directory), list.ToString());
        }
        return spec.Command.Render(new AttemptEnvironment(_graph, _directories, _layout, t, number));
    }

    private void OnAttemptEnded(int t, int number, AttemptResult result)
    {
        if (!_running.Remove(t))
        {
            return;
        }
        if (_state[t] == TaskState.Submitted)
        {
            // It ran before its Running report was handled (or ended while queued).
            Transition(t, TaskState.Running);
        }
        var spec = _graph.Tasks[t];
        _pool.Release(spec.Resources);
        _writer!.Write(new AttemptEnded(_taskIds[t], number, result.Outcome, result.ExitCode, result.Message, result.EndedAt));
        LogAttemptEnded(_logger, spec.Name, number, result.Outcome, result.ExitCode);
        AfterAttempt(t, result);
    }

    /// <summary>Applies the retry policy to an attempt's result and moves the task (and its downstream) on.</summary>
    private void AfterAttempt(int t, AttemptResult result)
    {
        if (_state[t] == TaskState.Killing)
        {
            // A kill was requested; the attempt may still have finished on its own first.
            if (result.Outcome == AttemptOutcome.Succeeded)
            {
                Complete(t);
            }
            else
            {
                Kill(t, _interrupted ? "run interrupted" : "killed on request");
            }
            return;
        }
        var decision = RetryPolicy.Decide(result.Outcome, _attemptsUsed[t], _graph.Tasks[t].MaxAttempts);
        switch (decision.Next)
        {
            case TaskState.Done:
                Complete(t);
                break;
            case TaskState.Ready:
                Transition(t, TaskState.Ready, FailureReason.None, $"retry after attempt {_lastAttempt[t]} ({Describe(result)})");
                Enqueue(t);
                break;
            case TaskState.Killed:
                // Killed by something other than Baton (a signal from outside): recorded as a kill, not retried.
                Transition(t, TaskState.Killing, FailureReason.None, result.Message);
                Kill(t, result.Message ?? "killed");
                break;
            default:
                Transition(t, TaskState.Failed, decision.Reason, Describe(result));
                _failed++;
                FailDownstream(t, $"upstream '{_graph.Tasks[t].Name}' failed");
                break;
        }
    }

    private static string Describe(AttemptResult result) => result.Outcome switch
    {
        AttemptOutcome.Failed when result.ExitCode is { } code => $"exit code {code}",
        _ => result.Message is { Length: > 0 } m ? $"{result.Outcome.ToWord()}: {m}" : result.Outcome.ToWord(),
    };

    private void Complete(int t)
    {
        Transition(t, TaskState.Done);
        _done++;
        foreach (var d in _graph.Downstream[t])
        {
            if (_state[d] == TaskState.Waiting && --_waitingOn[d] == 0)
            {
                MakeReady(d);
            }
        }
    }

    private void Kill(int t, string message)
    {
        Transition(t, TaskState.Killed, FailureReason.None, message);
        _killed++;
        // A kill the user asked for dooms what depends on the task. An interrupted run is no verdict on the task:
        // its downstream keeps waiting, and the next run resumes both.
        if (!_interrupted)
        {
            FailDownstream(t, $"upstream '{_graph.Tasks[t].Name}' was killed");
        }
    }

    /// <summary>Every task downstream that is still waiting can never run: it fails without running.</summary>
    private void FailDownstream(int t, string message)
    {
        var stack = new Stack<int>();
        stack.Push(t);
        while (stack.Count > 0)
        {
            foreach (var d in _graph.Downstream[stack.Pop()])
            {
                if (_state[d] == TaskState.Waiting)
                {
                    Transition(d, TaskState.Failed, FailureReason.UpstreamFailed, message);
                    _failed++;
                    stack.Push(d);
                }
            }
        }
    }

    private void MakeReady(int t)
    {
        Transition(t, TaskState.Ready);
        Enqueue(t);
    }

    private void Enqueue(int t) => _ready.Enqueue(t, _graph.Tasks[t].Resources, _graph.Tasks[t].Priority);

    private void OnKillRequested(KillRequest request)
    {
        var targets = new List<int>();
        var report = new List<(string, string)>();
        if (request.TaskNames.Count == 0)
        {
            targets.AddRange(Enumerable.Range(0, _state.Length));
        }
        else
        {
            foreach (var name in request.TaskNames)
            {
                if (_graph.TryGetIndex(name, out var index))
                {
                    targets.Add(index);
                }
                else
                {
                    report.Add((name, "not in this run"));
                }
            }
        }
        var pending = new HashSet<int>();
        foreach (var t in targets)
        {
            var name = _graph.Tasks[t].Name;
            switch (_state[t])
            {
                case TaskState.Waiting or TaskState.Ready or TaskState.PendingInput:
                    Kill(t, "killed on request before it started");
                    report.Add((name, "killed"));
                    break;
                case TaskState.Submitted or TaskState.Running:
                    Transition(t, TaskState.Killing, FailureReason.None, "kill requested");
                    _ = _running[t].KillAsync(CancellationToken.None).AsTask();
                    pending.Add(t);
                    report.Add((name, "killing"));
                    break;
                case TaskState.Killing:
                    pending.Add(t);
                    report.Add((name, "killing"));
                    break;
                default:
                    // Only named tasks are worth reporting; a workflow-wide kill skips finished ones silently.
                    if (request.TaskNames.Count > 0)
                    {
                        report.Add((name, $"already {_state[t].ToWord()}"));
                    }
                    break;
            }
        }
        if (pending.Count == 0)
        {
            request.Reply.TrySetResult(new KillReport(report));
            return;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _killWaiters.Add((pending, done));
        done.Task.ContinueWith(_ => request.Reply.TrySetResult(new KillReport(
            report.Select(r => r.Item2 == "killing" && _graph.TryGetIndex(r.Item1, out var i) ? (r.Item1, _state[i].ToWord()) : r).ToList())),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnInterrupt()
    {
        if (_interrupted)
        {
            return;
        }
        _interrupted = true;
        LogInterrupted(_logger, _running.Count);
        foreach (var (t, handle) in _running)
        {
            if (_state[t] != TaskState.Killing)
            {
                Transition(t, TaskState.Killing, FailureReason.None, "run interrupted");
            }
            _ = handle.KillAsync(CancellationToken.None).AsTask();
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
        _progress.Move(_template[t], from, to);
        _writer!.Write(new TaskStateChanged(_taskIds[t], _runId, from, to, reason, message, _time.GetUtcNow(), attemptCount));
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

    private sealed record AttemptEndedEvent(int Task, int Attempt, AttemptResult Result) : RunEvent;

    private sealed record AttemptRunningEvent(int Task, int Attempt) : RunEvent;

    private sealed record KillRequest(IReadOnlyCollection<string> TaskNames, TaskCompletionSource<KillReport> Reply) : RunEvent;

    private sealed record Interrupt : RunEvent;

    [LoggerMessage(Level = LogLevel.Debug, Message = "task {Task} attempt {Attempt} ended {Outcome} (exit code {ExitCode})")]
    private static partial void LogAttemptEnded(ILogger logger, string task, int attempt, AttemptOutcome outcome, int? exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {Task} attempt {Attempt} could not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string task, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the executor failed unexpectedly to start task {Task} attempt {Attempt}")]
    private static partial void LogExecutorBug(ILogger logger, Exception exception, string task, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "ignored a late report for task {Task}: {From} -> {To} (the task already moved on)")]
    private static partial void LogUntimely(ILogger logger, string task, TaskState from, TaskState to);

    [LoggerMessage(Level = LogLevel.Information, Message = "run interrupted: killing {Count} running attempts")]
    private static partial void LogInterrupted(ILogger logger, int count);
}
