namespace Baton.Core.Lifecycle;

/// <summary>What the lifecycle says of a proposed transition.</summary>
public enum TransitionVerdict
{
    /// <summary>The transition is in the table: apply it.</summary>
    Legal,
    /// <summary>Same state again: nothing to do.</summary>
    NoOp,
    /// <summary>
    /// A late report about an attempt that arrives after the task already moved on (a race between an executor
    /// and a kill, or a supervisor's report after the orchestrator decided). Ignored on purpose and logged.
    /// </summary>
    Untimely,
    /// <summary>Not in the table: a bug in the caller.</summary>
    Illegal,
}

/// <summary>
/// The task state machine: the single table of legal transitions. Every state change in Baton goes through
/// <see cref="Check"/>; nothing else decides which state may follow which.
/// </summary>
public static class TaskLifecycle
{
    private static readonly Dictionary<TaskState, TaskState[]> Legal = new()
    {
        // Inputs uploaded, or the task is cancelled / its inputs never arrive.
        [TaskState.PendingInput] = [TaskState.Waiting, TaskState.Killed, TaskState.Failed],
        // Upstream done; upstream failed; killed before it ever ran.
        [TaskState.Waiting] = [TaskState.Ready, TaskState.Failed, TaskState.Killed],
        // Handed to the executor; killed before start; back to Waiting when a new run re-evaluates it;
        // Failed when it can never be placed (for example needs more than the machine has).
        [TaskState.Ready] = [TaskState.Submitted, TaskState.Waiting, TaskState.Failed, TaskState.Killed],
        // Seen running; the executor could not start it (retry or fail); kill requested.
        [TaskState.Submitted] = [TaskState.Running, TaskState.Ready, TaskState.Failed, TaskState.Killing],
        // Succeeded; failed with attempts left (retry) or none left; kill requested.
        [TaskState.Running] = [TaskState.Done, TaskState.Ready, TaskState.Failed, TaskState.Killing],
        // Confirmed gone; or it finished on its own before the kill reached it.
        [TaskState.Killing] = [TaskState.Killed, TaskState.Done],
        // A new run (resume) puts failed and killed tasks back in line with their attempts reset.
        [TaskState.Failed] = [TaskState.Waiting],
        [TaskState.Killed] = [TaskState.Waiting],
        // A run never moves a Done task: it does not run again. Only a request does (baton invalidate, run --force),
        // or a run that finds the task's directory gone (its outputs are lost): it waits to run again.
        [TaskState.Done] = [TaskState.Waiting],
    };

    /// <summary>Every legal (from, to) pair, for tests and docs.</summary>
    public static IEnumerable<(TaskState From, TaskState To)> LegalTransitions =>
        Legal.SelectMany(kv => kv.Value.Select(to => (kv.Key, to)));

    public static TransitionVerdict Check(TaskState from, TaskState to)
    {
        if (from == to)
        {
            return TransitionVerdict.NoOp;
        }
        if (Array.IndexOf(Legal[from], to) >= 0)
        {
            return TransitionVerdict.Legal;
        }
        // An executor's report (submitted, running, finished) about a task that is already terminal or being
        // killed is a race, not a bug: the newer state wins.
        if ((from.IsTerminal() || from == TaskState.Killing) && to is TaskState.Submitted or TaskState.Running or TaskState.Done or TaskState.Failed or TaskState.Ready)
        {
            return TransitionVerdict.Untimely;
        }
        return TransitionVerdict.Illegal;
    }

    /// <summary>Throws <see cref="IllegalTransitionException"/> unless the transition is legal or a no-op.</summary>
    public static void Ensure(string task, TaskState from, TaskState to)
    {
        if (Check(from, to) is TransitionVerdict.Illegal or TransitionVerdict.Untimely)
        {
            throw new IllegalTransitionException(task, from, to);
        }
    }
}

/// <summary>A transition that is not in <see cref="TaskLifecycle"/>'s table.</summary>
public sealed class IllegalTransitionException(string task, TaskState from, TaskState to)
    : InvalidOperationException($"task '{task}': illegal transition {from.ToWord()} -> {to.ToWord()}")
{
    public TaskState From { get; } = from;
    public TaskState To { get; } = to;
}
