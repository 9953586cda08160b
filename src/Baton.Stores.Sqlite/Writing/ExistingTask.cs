using Baton.Core.Graph;
using Baton.Core.Lifecycle;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>A workflow's task row as stored, read when the same workflow is registered again.</summary>
internal sealed class ExistingTask
{
    public int Ordinal { get; init; }
    public long TaskId { get; init; }
    public required string Name { get; init; }
    public required string Tags { get; init; }
    public required string Attributes { get; init; }
    public required string Identity { get; init; }
    public required string Template { get; init; }
    public int MaxAttempts { get; init; }
    public int Priority { get; init; }
    public int Cpus { get; init; }
    public long MemoryBytes { get; init; }
    public long? RuntimeSeconds { get; init; }
    public required string Directory { get; init; }
    public required string Params { get; init; }
    public TaskState State { get; init; }
    public FailureReason Reason { get; init; }
    public int AttemptCount { get; init; }
    public int LastAttempt { get; init; }

    /// <summary>Whether the stored task row already says what the spec says (so no write is needed).</summary>
    public bool Describes(TaskSpec spec, string directory, string paramsJson) =>
        Template == spec.Template.Name
        && MaxAttempts == spec.MaxAttempts
        && Priority == spec.Priority
        && Cpus == spec.Resources.Cpus
        && MemoryBytes == spec.Resources.MemoryBytes
        && RuntimeSeconds == RuntimeSecondsOf(spec)
        && Directory == directory
        && Params == paramsJson;

    /// <summary>Runtime limits are stored in whole seconds, rounded up so that a limit is never shortened.</summary>
    public static long? RuntimeSecondsOf(TaskSpec spec) =>
        spec.Resources.Runtime is { } runtime ? (long)Math.Ceiling(runtime.TotalSeconds) : null;
}
