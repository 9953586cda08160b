using System.Text;
using Baton.Core.Commands;
using Baton.Core.Executors;
using Baton.Core.Gpus;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Persistence;

namespace Baton.Engine.Runs;

// Starting attempts: taking what fits from the (node's shared) pool in priority order, handing the batch to the
// executor, recording each start, and turning each attempt's progress into events on the loop's channel.
internal sealed partial class RunLoop
{
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
                Started(t, request.Attempt, handle, request.Argv);
            }
            else
            {
                StartFailed(t, request.Attempt, starts[i].Error ?? new ExecutorStartException("the executor gave no handle"), request.Argv);
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

    private void StartFailed(int t, int number, Exception ex, IReadOnlyList<string>? argv = null)
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
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, "", Environment.MachineName, null, attemptDirectory, now) { Resources = _resources[t], Argv = argv });
        _writer.Write(new AttemptEnded(_taskIds[t], number, AttemptOutcome.ExecutorFailed, null, ex.Message, now));
        LogStartFailed(_logger, spec.Name, number, ex.Message);
        ReleaseResources(t);
        ReleaseAdmission(t);
        AfterAttempt(t, new AttemptResult(AttemptOutcome.ExecutorFailed, null, now, now, ex.Message) { Retryable = ex is not ExecutorStartException { Permanent: true } });
    }

    private void Started(int t, int number, IAttemptHandle handle, IReadOnlyList<string> argv)
    {
        var attemptDirectory = WorkspaceLayout.AttemptDirectory(_directories[t], number);
        _writer!.Write(new AttemptStarted(_taskIds[t], _runId, number, _executor.Name, handle.ExecutorId, handle.Host, handle.ProcessId, attemptDirectory, handle.StartedAt) { Resources = _resources[t], Argv = argv });
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
}
