using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Stores.Postgres.Columns;

/// <summary>
/// States, reasons and outcomes as the words of <see cref="LifecycleNames"/>, and back through
/// lookup tables: registration and listings convert hundreds of thousands of them.
/// </summary>
internal static class StoreWords
{
    private static readonly Dictionary<string, TaskState> States =
        Enum.GetValues<TaskState>().ToDictionary(s => s.ToWord(), StringComparer.Ordinal);

    private static readonly Dictionary<string, FailureReason> Reasons =
        Enum.GetValues<FailureReason>().ToDictionary(r => r.ToWord(), StringComparer.Ordinal);

    private static readonly Dictionary<string, AttemptOutcome> Outcomes =
        Enum.GetValues<AttemptOutcome>().ToDictionary(o => o.ToWord(), StringComparer.Ordinal);

    public static TaskState State(string word) =>
        States.TryGetValue(word, out var state) ? state : throw Unknown("task state", word);

    public static FailureReason Reason(string word) =>
        Reasons.TryGetValue(word, out var reason) ? reason : throw Unknown("failure reason", word);

    public static AttemptOutcome Outcome(string word) =>
        Outcomes.TryGetValue(word, out var outcome) ? outcome : throw Unknown("attempt outcome", word);

    // A word the code does not know means the database was written by another (newer) Baton or by hand.
    private static InvalidDataException Unknown(string what, string word) =>
        new($"the store holds an unknown {what} '{word}'");
}
