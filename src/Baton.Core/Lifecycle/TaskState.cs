namespace Baton.Core.Lifecycle;

/// <summary>The one state a task is in. See docs/lifecycle.md for the meaning of each and the mapping to the seed systems.</summary>
public enum TaskState
{
    /// <summary>Created through the API; inputs not yet uploaded.</summary>
    PendingInput,
    /// <summary>An upstream task is not Done yet.</summary>
    Waiting,
    /// <summary>Every upstream is Done; waits for resources or a concurrency slot.</summary>
    Ready,
    /// <summary>Handed to the executor (for example queued in SLURM), not yet seen running.</summary>
    Submitted,
    /// <summary>An attempt is running.</summary>
    Running,
    /// <summary>An attempt succeeded. Terminal: a Done task never runs again.</summary>
    Done,
    /// <summary>Terminal failure; the reason says why.</summary>
    Failed,
    /// <summary>A kill was requested and is not yet confirmed.</summary>
    Killing,
    /// <summary>Terminal: killed on request.</summary>
    Killed,
}

/// <summary>Why a task is <see cref="TaskState.Failed"/>.</summary>
public enum FailureReason
{
    None,
    ExitCode,
    Timeout,
    OutOfMemory,
    UpstreamFailed,
    Lost,
    ExecutorError,
    InputMissing,
}

/// <summary>How one attempt ended. Richer than task states: the retry policy turns an outcome into the next task state.</summary>
public enum AttemptOutcome
{
    Succeeded,
    Failed,
    TimedOut,
    OutOfMemory,
    Preempted,
    Lost,
    ExecutorFailed,
    Killed,
}

/// <summary>Words for states and outcomes as they appear in the CLI, the store and JSON.</summary>
public static class LifecycleNames
{
    public static string ToWord(this TaskState state) => state switch
    {
        TaskState.PendingInput => "pending_input",
        TaskState.Waiting => "waiting",
        TaskState.Ready => "ready",
        TaskState.Submitted => "submitted",
        TaskState.Running => "running",
        TaskState.Done => "done",
        TaskState.Failed => "failed",
        TaskState.Killing => "killing",
        TaskState.Killed => "killed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWord(this FailureReason reason) => reason switch
    {
        FailureReason.None => "",
        FailureReason.ExitCode => "exit code",
        FailureReason.Timeout => "timeout",
        FailureReason.OutOfMemory => "out of memory",
        FailureReason.UpstreamFailed => "upstream failed",
        FailureReason.Lost => "lost",
        FailureReason.ExecutorError => "executor error",
        FailureReason.InputMissing => "input missing",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string ToWord(this AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => "succeeded",
        AttemptOutcome.Failed => "failed",
        AttemptOutcome.TimedOut => "timed_out",
        AttemptOutcome.OutOfMemory => "out_of_memory",
        AttemptOutcome.Preempted => "preempted",
        AttemptOutcome.Lost => "lost",
        AttemptOutcome.ExecutorFailed => "executor_failed",
        AttemptOutcome.Killed => "killed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static bool TryParseState(string word, out TaskState state)
    {
        foreach (var candidate in Enum.GetValues<TaskState>())
        {
            if (string.Equals(candidate.ToWord(), word, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), word, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }
        state = default;
        return false;
    }

    public static TaskState ParseState(string word) =>
        TryParseState(word, out var s) ? s : throw new FormatException($"unknown task state '{word}'");

    public static FailureReason ParseReason(string word)
    {
        foreach (var candidate in Enum.GetValues<FailureReason>())
        {
            if (candidate.ToWord() == word)
            {
                return candidate;
            }
        }
        throw new FormatException($"unknown failure reason '{word}'");
    }

    public static AttemptOutcome ParseOutcome(string word)
    {
        foreach (var candidate in Enum.GetValues<AttemptOutcome>())
        {
            if (candidate.ToWord() == word)
            {
                return candidate;
            }
        }
        throw new FormatException($"unknown attempt outcome '{word}'");
    }

    /// <summary>Done, Failed and Killed: no attempt of the task is running or will start without a new run.</summary>
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Done or TaskState.Failed or TaskState.Killed;
}
