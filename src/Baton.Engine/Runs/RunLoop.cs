using System.Text;
using System.Threading.Channels;
using Baton.Core.Commands;
using Baton.Core.Executors;
using Baton.Core.Gpus;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Groups;
using Baton.Engine.Persistence;
using Baton.Engine.Reconciliation;
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
    private readonly AdmissionControl _admission;
    private readonly List<int> _unparked = [];
    private readonly bool _failFast;
    private bool _stopStarting;
    private readonly Dictionary<int, IAttemptHandle> _running = [];
    private readonly List<(HashSet<int> Pending, TaskCompletionSource Done)> _killWaiters = [];
    private readonly Channel<RunEvent> _events = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private StateWriter? _writer;
    private GroupHooks? _groups;
    private IReadOnlyList<ReattachedAttempt> _reattached = [];
    // Tasks whose re-attached attempt is being killed so that they start afresh (cold resume, or a kill that an
    // earlier orchestrator did not see through): when it ends, they go back in line instead of ending Killed.
    private readonly HashSet<int> _restartAfterKill = [];
    private readonly ResumeMode _resumeMode;
    private readonly InterruptMode _interruptMode;
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
        _pool = options.SharedPool ?? new ResourcePool(options.Capacity, options.Gpus, options.GpuProbe ?? DeclaredGpuMemory.None);
        _ready = new ReadyQueue(options.Scheduling, time);
        _resources = graph.Tasks.Select(s => s.Resources).ToArray();
        _priority = graph.Tasks.Select(s => s.Priority).ToArray();
        _allocations = new Allocation?[graph.Tasks.Count];
        _resumeMode = options.Resume;
        _capacity = options.Capacity;
        _scaledRetries = new int[graph.Tasks.Count];
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
        await using (_writer = new StateWriter(_store, _logger))
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

    public async Task<KillReport> KillAsync(IReadOnlyCollection<string> taskNames, CancellationToken cancellationToken)
    {
        var request = new KillRequest(taskNames, new TaskCompletionSource<KillReport>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Attempts that start-up reconciliation found (see <see cref="AttemptReconciler"/>); adopted when the run starts.</summary>
    public void Adopt(IReadOnlyList<ReattachedAttempt> reattached) => _reattached = reattached;

    /// <summary>Tasks another run holds: this run waits for their outcome (news arrive through <see cref="Notify"/>).</summary>
    public void HoldElsewhere(IReadOnlySet<int> tasks)
    {
        foreach (var t in tasks)
        {
            _foreign[t] = true;
        }
        _foreignPending = tasks.Count;
    }

    /// <summary>News about a task held elsewhere, from the watcher's thread.</summary>
    public void Notify(ForeignTaskNews news) => _events.Writer.TryWrite(new ForeignNewsEvent(news));

    /// <summary>Flushes the state writer if <see cref="RunAsync"/> did not get to.</summary>
    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private bool Finished() =>
        (_interrupted && _interruptMode == InterruptMode.Detach)
        || (_running.Count == 0
            && (_interrupted || ((_ready.Count == 0 || _stopStarting) && _foreignPending == 0 && (!AcceptsTasks || _stopStarting))));

    /// <summary>
    /// Puts every task that is not Done back in line (jobmon's resume): failed and killed tasks wait again with
    /// their attempt count reset, and tasks whose upstreams are all Done become Ready.
    /// </summary>
    private void Resume()
    {
        foreach (var attempt in _reattached)
        {
            AdoptAttempt(attempt);
        }
        for (var t = 0; t < _state.Length; t++)
        {
            if (!_running.ContainsKey(t) && !_foreign[t])
            {
                ResumeTask(t);
            }
        }
        for (var t = 0; t < _state.Length; t++)
        {
            if (_state[t] == TaskState.Waiting && !_foreign[t])
            {
                WaitForUpstreams(t);
            }
        }
    }

    private void ResumeTask(int t)
    {
        switch (_state[t])
        {
            case TaskState.Done:
                return;
            case TaskState.Submitted or TaskState.Running:
                // Reconciliation found no attempt of it: it never started (the orchestrator died in between).
                Transition(t, TaskState.Failed, FailureReason.Lost, "the orchestrator that started this task ended before the attempt started");
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

    private void WaitForUpstreams(int t)
    {
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

    /// <summary>A task another run held has settled, or is now this run's.</summary>
    private void OnForeignNews(ForeignTaskNews news)
    {
        var t = news.Task;
        if (!_foreign[t])
        {
            return;
        }
        _foreign[t] = false;
        _foreignPending--;
        switch (news)
        {
            case ForeignTaskSettled settled:
                // The store has it already: only this run's view moves.
                _progress.Move(_template[t], _state[t], settled.State);
                _state[t] = settled.State;
                if (settled.State == TaskState.Done)
                {
                    _done++;
                    ReleaseDownstream(t);
                }
                else
                {
                    _failed++;
                    FailDownstream(t, $"upstream '{_graph.Tasks[t].Name}' ended {settled.State.ToWord()} in another run");
                }
                break;
            case ForeignTaskTakenOver taken:
                _progress.Move(_template[t], _state[t], taken.Claim.State);
                _state[t] = taken.Claim.State;
                _lastAttempt[t] = taken.Claim.LastAttemptNumber;
                _attemptsUsed[t] = taken.Claim.AttemptCount;
                foreach (var attempt in taken.Attempts)
                {
                    AdoptAttempt(attempt);
                }
                if (!_running.ContainsKey(t) && !_interrupted)
                {
                    ResumeTask(t);
                    if (_state[t] == TaskState.Waiting)
                    {
                        WaitForUpstreams(t);
                    }
                }
                break;
        }
    }

    /// <summary>
    /// Takes over an attempt an earlier orchestrator started: records its start if the store never got it, brings
    /// the task to Running by legal steps, and follows the attempt like one of this run's (hot resume). In cold
    /// resume, and for a task whose kill was not seen through, the attempt is killed and the task starts afresh.
    /// </summary>
    private void AdoptAttempt(ReattachedAttempt attempt)
    {
        var t = attempt.Task;
        var handle = attempt.Handle;
        if (!attempt.Recorded)
        {
            _writer!.Write(new AttemptStarted(_taskIds[t], _runId, attempt.Number, _executor.Name, handle.ExecutorId, handle.Host, handle.ProcessId, attempt.Directory, handle.StartedAt));
        }
        _lastAttempt[t] = Math.Max(_lastAttempt[t], attempt.Number);
        _attemptsUsed[t] = Math.Max(_attemptsUsed[t], 1);
        if (attempt.Superseded)
        {
            // An earlier attempt the store never saw end; it has ended, since its retry was started.
            var result = handle.Completion.Result;
            _writer!.Write(new AttemptEnded(_taskIds[t], attempt.Number, result.Outcome, result.ExitCode, result.Message, result.EndedAt));
            return;
        }
        var killing = _state[t] == TaskState.Killing;
        if (!killing)
        {
            // Legal steps to Running from wherever the store's last commit left the task.
            if (_state[t] is TaskState.Failed or TaskState.Killed)
            {
                Transition(t, TaskState.Waiting, FailureReason.None, "resumed");
            }
            if (_state[t] == TaskState.Waiting)
            {
                Transition(t, TaskState.Ready);
            }
            if (_state[t] == TaskState.Ready)
            {
                Transition(t, TaskState.Submitted, FailureReason.None, null, _attemptsUsed[t]);
            }
            Transition(t, TaskState.Running, FailureReason.None, "re-attached after a restart");
        }
        lock (_pool.Sync)
        {
            _allocations[t] = _pool.Occupy(_resources[t]);
        }
        _admission.Occupy(t);
        _running.Add(t, handle);
        _progress.AttemptStarted();
        if (killing || _resumeMode == ResumeMode.Cold)
        {
            _restartAfterKill.Add(t);
            _ = handle.KillAsync(CancellationToken.None).AsTask();
        }
        else if (handle.Completion is { IsCompletedSuccessfully: true, Result.Outcome: AttemptOutcome.Killed })
        {
            // Killed by the orchestrator that went away (interrupted, or its executor shut down): no verdict on the task.
            _restartAfterKill.Add(t);
        }
        _ = ObserveAsync(t, attempt.Number, handle);
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

    private void Dispatch()
    {
        // A start that fails may put its task back in line (a retry): go on until nothing more fits.
        while (!_interrupted && !_stopStarting && DispatchBatch())
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
        // The node's other runs take from the same pool: what fits is taken before anyone else looks.
        lock (_pool.Sync)
        {
            while (_ready.TryDequeueFitting(_pool, out var t))
            {
                dequeued = true;
                // A task killed while queued stays in the queue until it comes up; it is skipped here. Concurrency
                // limits and tokens park a task they hold back until a slot frees (AdmissionControl).
                if (_state[t] == TaskState.Ready && _admission.TryAdmit(t) && PrepareStart(t) is { } request)
                {
                    batch.Add((t, request));
                }
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
        var resources = _resources[t];
        var number = ++_lastAttempt[t];
        _attemptsUsed[t]++;
        var allocation = _allocations[t] = _pool.Take(resources, _time.GetUtcNow() + resources.Runtime);
        _groups?.Starting(t);
        Transition(t, TaskState.Submitted, FailureReason.None, null, _attemptsUsed[t]);
        _progress.AttemptStarted();
        try
        {
            var argv = PrepareAttempt(t, number);
            var request = new AttemptRequest(spec.Name, number, argv, _directories[t], WorkspaceLayout.AttemptDirectory(_directories[t], number), resources)
            {
                Environment = GpuVariables.For(_pool.Gpus, allocation.Gpus.Select(g => (g.Device, g.MiB)).ToArray()),
            };
            return request;
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
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, "", Environment.MachineName, null, attemptDirectory, now) { Resources = _resources[t] });
        _writer.Write(new AttemptEnded(_taskIds[t], number, AttemptOutcome.ExecutorFailed, null, ex.Message, now));
        LogStartFailed(_logger, spec.Name, number, ex.Message);
        ReleaseResources(t);
        ReleaseAdmission(t);
        AfterAttempt(t, new AttemptResult(AttemptOutcome.ExecutorFailed, null, now, now, ex.Message));
    }

    private void Started(int t, int number, IAttemptHandle handle)
    {
        var attemptDirectory = WorkspaceLayout.AttemptDirectory(_directories[t], number);
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, handle.ExecutorId, handle.Host, handle.ProcessId, attemptDirectory, handle.StartedAt) { Resources = _resources[t] });
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
        ReleaseResources(t);
        ReleaseAdmission(t);
        result = TimeoutRetry.Interpret(spec, result);
        _writer!.Write(new AttemptEnded(_taskIds[t], number, result.Outcome, result.ExitCode, result.Message, result.EndedAt) { Usage = result.Usage });
        LogAttemptEnded(_logger, spec.Name, number, result.Outcome, result.ExitCode);
        AfterAttempt(t, result);
    }

    /// <summary>Applies the retry policy to an attempt's result and moves the task (and its downstream) on.</summary>
    private void AfterAttempt(int t, AttemptResult result)
    {
        if (_restartAfterKill.Remove(t) && result.Outcome != AttemptOutcome.Succeeded && !_interrupted)
        {
            if (_state[t] == TaskState.Killing)
            {
                Transition(t, TaskState.Killed, FailureReason.None, "killed at start-up to start afresh");
                Transition(t, TaskState.Waiting, FailureReason.None, "resumed");
            }
            _attemptsUsed[t] = 0;
            Transition(t, TaskState.Ready, FailureReason.None, "starts afresh after its earlier attempt was killed (cold resume)", attemptCount: 0);
            Enqueue(t);
            return;
        }
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
        var spec = _graph.Tasks[t];
        var decision = TimeoutRetry.Retries(spec, result.Outcome, _attemptsUsed[t])
            ? new RetryDecision(TaskState.Ready, FailureReason.None)
            : RetryPolicy.Decide(result, _attemptsUsed[t], spec.MaxAttempts, spec.Retry);
        switch (decision.Next)
        {
            case TaskState.Done:
                Complete(t);
                break;
            case TaskState.Ready:
                var raised = RaiseResources(t, result.Outcome);
                Transition(t, TaskState.Ready, FailureReason.None, $"retry after attempt {_lastAttempt[t]} ({Describe(result)}){raised}");
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
                if (_failFast && !_stopStarting)
                {
                    _stopStarting = true;
                    LogFailFast(_logger, spec.Name);
                }
                break;
        }
    }

    /// <summary>
    /// Raises memory or runtime for the retry of an attempt that ran out of it (jobmon's resource scaling), never
    /// past what the machine offers; returns the change for the state history ("" when nothing changed).
    /// </summary>
    private string RaiseResources(int t, AttemptOutcome outcome)
    {
        var current = _resources[t];
        if (outcome is not (AttemptOutcome.OutOfMemory or AttemptOutcome.TimedOut))
        {
            return "";
        }
        var next = _graph.Tasks[t].Retry.Scale(current, outcome, ++_scaledRetries[t]);
        if (next.MemoryBytes > _capacity.MemoryBytes)
        {
            next = next with { MemoryBytes = Math.Max(current.MemoryBytes, _capacity.MemoryBytes) };
        }
        if (next == current)
        {
            return "";
        }
        _resources[t] = next;
        return outcome == AttemptOutcome.OutOfMemory
            ? $" with memory {ResourceParser.FormatMemory(next.MemoryBytes)}"
            : $" with runtime {ResourceParser.FormatRuntime(next.Runtime)}";
    }

    /// <summary>Gives back the task's concurrency slots and tokens; tasks they held back go back in line.</summary>
    private void ReleaseAdmission(int t)
    {
        _admission.Release(t, _unparked);
        RequeueUnparked();
    }

    private void RequeueUnparked()
    {
        foreach (var u in _unparked)
        {
            if (_state[u] == TaskState.Ready)
            {
                Enqueue(u);
            }
        }
        _unparked.Clear();
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
        ReleaseDownstream(t);
    }

    private void ReleaseDownstream(int t)
    {
        foreach (var d in _graph.Downstream[t])
        {
            if (_state[d] == TaskState.Waiting && !_foreign[d] && --_waitingOn[d] == 0)
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
                if (_state[d] == TaskState.Waiting && !_foreign[d])
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

    private void Enqueue(int t) => _ready.Enqueue(t, _resources[t], _priority[t]);

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
            if (_foreign[t])
            {
                report.Add((name, "held by another run; kill it there"));
                continue;
            }
            switch (_state[t])
            {
                case TaskState.Waiting or TaskState.Ready or TaskState.PendingInput:
                    _ready.Remove(t);
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
        if (_interruptMode == InterruptMode.Detach)
        {
            // Nothing is killed: the attempts stay Running in the store, and whichever run comes next re-attaches.
            LogDetached(_logger, _running.Count);
            return;
        }
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
        NotifySettled(t, to, reason);
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

    public async Task<bool> SetLimitAsync(string? templateName, int maxConcurrent, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        var request = new LimitRequest(templateName, maxConcurrent, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
    }

    private void OnLimitRequested(LimitRequest request)
    {
        var known = _admission.SetLimit(request.Template, request.MaxConcurrent, _unparked);
        RequeueUnparked();
        request.Reply.TrySetResult(known);
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
