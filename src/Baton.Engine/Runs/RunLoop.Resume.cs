using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Reconciliation;

namespace Baton.Engine.Runs;

// Resuming a run: putting every task that is not Done back in line, adopting the attempts an earlier orchestrator
// left running (start-up reconciliation), and following the tasks another run holds.
internal sealed partial class RunLoop
{
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
}
