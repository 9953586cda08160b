using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Engine.Runs;

// Requests from outside the loop: kills (Killing, then Killed once the process tree is gone), the run's interrupt
// (kill or detach its attempts), and concurrency limits changed while it runs.
internal sealed partial class RunLoop
{
    public async Task<KillReport> KillAsync(IReadOnlyCollection<string> taskNames, CancellationToken cancellationToken)
    {
        var request = new KillRequest(taskNames, new TaskCompletionSource<KillReport>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
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
}
