using System.Text.Json.Serialization;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Cli.Rendering;

/// <summary>A task as <c>--json</c> prints it; field names are stable for scripts.</summary>
internal sealed record TaskJson(
    string Workflow,
    string Name,
    string Template,
    string Identity,
    string State,
    string? Reason,
    int Attempts,
    int? ExitCode,
    IReadOnlyList<string> Tags,
    string Directory,
    DateTimeOffset UpdatedAt)
{
    public static TaskJson FromRow(TaskRow r) => new(
        r.Workflow, r.Name, r.Template, r.Identity, r.State.ToWord(),
        r.Reason == FailureReason.None ? null : r.Reason.ToWord(),
        r.AttemptCount, r.LastExitCode, r.Tags, r.Directory, r.UpdatedAt);
}

internal sealed record HistoryJson(string State, string? Reason, string? Message, DateTimeOffset At, long? Run);

internal sealed record AttemptJson(
    int Number,
    long Run,
    string Executor,
    string ExecutorId,
    string Host,
    int? Pid,
    string Directory,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationSeconds,
    string? Outcome,
    int? ExitCode,
    string? Message)
{
    /// <summary>What the attempt asked for: cpus, memory_bytes, runtime_seconds.</summary>
    public ResourcesJson? Request { get; init; }

    /// <summary>What it used: wall, user and system seconds, peak resident bytes.</summary>
    public UsageJson? Usage { get; init; }

    /// <summary>The command line it ran, one string per argument; null when not recorded.</summary>
    public IReadOnlyList<string>? Argv { get; init; }
}

internal sealed record ResourcesJson(int Cpus, long MemoryBytes, double? RuntimeSeconds)
{
    public static ResourcesJson? From(Baton.Core.Resources.ResourceRequest? r) =>
        r is null ? null : new(r.Cpus, r.MemoryBytes, r.Runtime?.TotalSeconds);
}

internal sealed record UsageJson(double WallSeconds, double UserSeconds, double SystemSeconds, long PeakRssBytes)
{
    public static UsageJson? From(Baton.Core.Executors.AttemptUsage? u) =>
        u is null ? null : new(u.Wall.TotalSeconds, u.UserCpu.TotalSeconds, u.SystemCpu.TotalSeconds, u.PeakRssBytes);
}

internal sealed record TaskDetailsJson(
    TaskJson Task,
    System.Text.Json.Nodes.JsonNode? Params,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<HistoryJson> History,
    IReadOnlyList<AttemptJson> Attempts)
{
    /// <summary>The tasks it runs after, with their states now.</summary>
    public IReadOnlyList<LinkJson> Upstream { get; init; } = [];

    /// <summary>The tasks that run after it.</summary>
    public IReadOnlyList<LinkJson> Downstream { get; init; } = [];
}

internal sealed record LinkJson(string Name, string State);

internal sealed record RunJson(long Run, string Workflow, string Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string Host, int Pid)
{
    /// <summary>How many of the workflow's tasks are in each state now.</summary>
    public IReadOnlyDictionary<string, int> Tasks { get; init; } = new Dictionary<string, int>();

    /// <summary>Who asked for the run (a token's name, or the workspace owner's user name); null when not recorded.</summary>
    public string? SubmittedBy { get; init; }
}

/// <summary>A task <c>baton clean</c> removes (or would remove, in a dry run): its directory's size in bytes.</summary>
internal sealed record CleanJson(string Workflow, string Name, string State, long Bytes, string Directory, bool Removed);

[JsonSerializable(typeof(TaskJson[]), TypeInfoPropertyName = "TaskJsonArray")]
[JsonSerializable(typeof(TaskJson))]
[JsonSerializable(typeof(RunOutcomeJson))]
[JsonSerializable(typeof(CapacityJson))]
[JsonSerializable(typeof(CleanJson[]), TypeInfoPropertyName = "CleanJsonArray")]
[JsonSerializable(typeof(TaskDetailsJson))]
[JsonSerializable(typeof(RunJson[]), TypeInfoPropertyName = "RunJsonArray")]
[JsonSerializable(typeof(Baton.Engine.Status.ErrorCluster[]), TypeInfoPropertyName = "ErrorClusterArray")]
[JsonSerializable(typeof(Baton.Engine.Status.TemplateUsage[]), TypeInfoPropertyName = "TemplateUsageArray")]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
internal sealed partial class CliJson : JsonSerializerContext;
