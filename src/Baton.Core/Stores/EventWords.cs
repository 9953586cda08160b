using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// The words stores write for event kinds and run statuses (and the SSE stream shows), and back. Every store
/// uses these, so that two stores' events read the same.
/// </summary>
public static class EventWords
{
    public static string ToWord(this EventKind kind) => kind switch
    {
        EventKind.TaskState => "task.state",
        EventKind.AttemptStarted => "attempt.started",
        EventKind.AttemptEnded => "attempt.ended",
        EventKind.RunStarted => "run.started",
        EventKind.RunEnded => "run.ended",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static EventKind ParseKind(string word) => word switch
    {
        "task.state" => EventKind.TaskState,
        "attempt.started" => EventKind.AttemptStarted,
        "attempt.ended" => EventKind.AttemptEnded,
        "run.started" => EventKind.RunStarted,
        "run.ended" => EventKind.RunEnded,
        _ => throw new FormatException($"unknown event kind '{word}'"),
    };

    public static string ToWord(this RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Done => "done",
        RunStatus.Failed => "failed",
        RunStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus ParseRunStatus(string word) => word switch
    {
        "running" => RunStatus.Running,
        "done" => RunStatus.Done,
        "failed" => RunStatus.Failed,
        "interrupted" => RunStatus.Interrupted,
        _ => throw new FormatException($"unknown run status '{word}'"),
    };

    /// <summary>
    /// The one word a store keeps for an event's state, whichever the kind: the task state, the attempt outcome or
    /// the run status; null when the kind has none.
    /// </summary>
    public static string? StateWord(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Kind switch
        {
            EventKind.TaskState => stored.State?.ToWord(),
            EventKind.AttemptEnded => stored.Outcome?.ToWord(),
            EventKind.RunEnded => stored.RunStatus?.ToWord(),
            _ => null,
        };
    }

    /// <summary>The inverse of <see cref="StateWord"/>: sets the typed field the kind's word stands for.</summary>
    public static StoredEvent WithStateWord(StoredEvent stored, string? word)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (word is null)
        {
            return stored;
        }
        return stored.Kind switch
        {
            EventKind.TaskState => stored with { State = LifecycleNames.ParseState(word) },
            EventKind.AttemptEnded => stored with { Outcome = LifecycleNames.ParseOutcome(word) },
            EventKind.RunEnded => stored with { RunStatus = ParseRunStatus(word) },
            _ => stored,
        };
    }
}
