using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Engine.Retry;

namespace Baton.Engine.Runs;

// What an attempt's end does: the retry policy's verdict, scaled resources for a retry, and the task's downstream
// released (Done) or failed without running.
internal sealed partial class RunLoop
{
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
        var free = RetryPolicy.RetriesFree(result.Outcome, _freeRetries[t]);
        if (free)
        {
            // Preempted or lost: the attempt does not count against max_attempts.
            _freeRetries[t]++;
            _attemptsUsed[t]--;
        }
        var decision = free || TimeoutRetry.Retries(spec, result.Outcome, _attemptsUsed[t])
            ? new RetryDecision(TaskState.Ready, FailureReason.None)
            : RetryPolicy.Decide(result, _attemptsUsed[t], spec.MaxAttempts, spec.Retry);
        switch (decision.Next)
        {
            case TaskState.Done:
                Complete(t);
                break;
            case TaskState.Ready:
                var raised = RaiseResources(t, result.Outcome);
                var uncounted = free ? $", not counted: infrastructure failure {_freeRetries[t]} of {RetryPolicy.FreeInfrastructureRetries}" : "";
                Transition(t, TaskState.Ready, FailureReason.None, $"retry after attempt {_lastAttempt[t]} ({Describe(result)}{uncounted}){raised}");
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
}
