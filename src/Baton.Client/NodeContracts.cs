using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Engine.Control;
using Baton.Engine.Runs;

namespace Baton.Client;

/// <summary>What <c>GET /api/v1/node</c> answers: the node's process, workspace, capacity and the runs it drives.</summary>
public sealed record NodeStatus(
    string Version,
    int ProcessId,
    string Host,
    DateTimeOffset StartedAt,
    string Workspace,
    string Executor,
    int Cpus,
    long MemoryBytes,
    int CpusInUse,
    long MemoryBytesInUse,
    IReadOnlyList<NodeRunInfo> Runs);

/// <summary>One run the node drives now.</summary>
public sealed record NodeRunInfo(long RunId, string Workflow, int Total, int Done, int Running, int Failed);

/// <summary>
/// <c>POST /api/v1/runs</c>: run the workflow file at <see cref="File"/> (a path the node can read: local nodes share
/// the client's file system). A workflow whose run is live in the node is attached to, not started again.
/// </summary>
/// <remarks>
/// Optional fields left out of the JSON, or sent as null, take their defaults. The source-generated reader sets
/// every init-only property, with null for those the JSON lacks, so the setters turn null back into the default.
/// </remarks>
public sealed record RunSubmission(string File)
{
    [JsonConverter(typeof(NullAsFalse))]
    public bool FailFast { get; init; }

    /// <summary>Refuse a file whose tasks changed instead of recording it as the workflow's next version.</summary>
    [JsonConverter(typeof(NullAsFalse))]
    public bool RefuseNewVersion { get; init; }

    /// <summary>Tasks to run again although they are Done (<c>--force</c>).</summary>
    public IReadOnlyList<string> Force { get; init => field = value ?? []; } = [];

    /// <summary>Kill attempts an earlier orchestrator left running and run their tasks afresh.</summary>
    [JsonConverter(typeof(NullAsFalse))]
    public bool Cold { get; init; }

    /// <summary>The executor the client asked for (<c>--executor</c>); null: the node's.</summary>
    public string? Executor { get; init; }

    /// <summary>
    /// An uploaded bundle (<c>POST /api/v1/bundles</c>) that holds the workflow's directory; <see cref="File"/> is
    /// then a path inside it. Null: <see cref="File"/> is a path on the node's machine.
    /// </summary>
    public string? Bundle { get; init; }
}

/// <summary>The answer to <c>POST /api/v1/bundles</c>: the bundle's id (the same for the same bytes), its files and bytes.</summary>
public sealed record BundleStored(string Bundle, int Files, long Bytes);

/// <summary>The answer to a submission: the run's id, and whether it was already live (the client attached to it).</summary>
public sealed record RunAccepted(long RunId, string Workflow, bool Attached);

/// <summary>One message of <c>GET /api/v1/runs/{id}/follow</c>: the run's progress, and its summary once it ended.</summary>
public sealed record RunUpdate(RunProgressSnapshot Progress)
{
    /// <summary>The run's workflow.</summary>
    public string Workflow { get; init; } = "";

    public RunSummary? Summary { get; init; }

    /// <summary>Why the run stopped without a summary (its store could not be written), one line.</summary>
    public string? Error { get; init; }

    /// <summary>The run stopped because the workspace's store is damaged (<see cref="Error"/> says how to recover).</summary>
    public bool StoreDamaged { get; init; }
}

/// <summary><c>POST /api/v1/tasks/kill</c> and <c>/set</c>: tasks of one workflow (all of them for a kill when empty).</summary>
public sealed record TaskRequest(string Workflow, IReadOnlyList<string> Tasks)
{
    /// <summary>For <c>set</c>: the <c>KEY=VALUE</c> words (null in the JSON, or left out: none).</summary>
    public IReadOnlyList<string> Values { get; init => field = value ?? []; } = [];
}

/// <summary>What the node did to each task; <see cref="Handled"/> is false when no run of the workflow is live in it.</summary>
public sealed record TaskResponse(bool Handled, IReadOnlyList<TaskOutcome> Results);

public sealed record TaskOutcome(string Task, string Outcome);

/// <summary><c>POST /api/v1/limits</c>: how many tasks of a workflow (or of one of its templates) may run at once.</summary>
public sealed record LimitRequest(string Workflow, string? Template, int Limit);

/// <summary><c>POST /api/v1/node/stop</c>.</summary>
public sealed record StopRequest([property: JsonConverter(typeof(NullAsFalse))] bool Force);

/// <summary>Reads a JSON null as false: an optional flag sent as null means its default, as one left out does.</summary>
internal sealed class NullAsFalse : JsonConverter<bool>
{
    public override bool HandleNull => true;

    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType != JsonTokenType.Null && reader.GetBoolean();

    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBooleanValue(value);
    }
}

[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(RunSubmission))]
[JsonSerializable(typeof(RunAccepted))]
[JsonSerializable(typeof(BundleStored))]
[JsonSerializable(typeof(RunUpdate))]
[JsonSerializable(typeof(TaskRequest))]
[JsonSerializable(typeof(TaskResponse))]
[JsonSerializable(typeof(LimitRequest))]
[JsonSerializable(typeof(StopRequest))]
[JsonSerializable(typeof(IReadOnlyList<ResourceSnapshot>))]
[JsonSerializable(typeof(Baton.Core.Stores.StoredEvent))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(TokenCreation))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(IReadOnlyList<TokenInfo>))]
[JsonSerializable(typeof(RunList))]
[JsonSerializable(typeof(RunInfo))]
[JsonSerializable(typeof(TaskList))]
[JsonSerializable(typeof(Baton.Core.Stores.TaskDetails))]
[JsonSerializable(typeof(IReadOnlyList<Baton.Core.Stores.AttemptRow>))]
[JsonSerializable(typeof(IReadOnlyList<Baton.Engine.Status.TemplateUsage>))]
[JsonSerializable(typeof(IReadOnlyList<Baton.Engine.Status.ErrorCluster>))]
[JsonSerializable(typeof(TaskFileList))]
[JsonSerializable(typeof(WebhookCreation))]
[JsonSerializable(typeof(CreatedWebhook))]
[JsonSerializable(typeof(IReadOnlyList<WebhookInfo>))]
[JsonSerializable(typeof(IReadOnlyList<WebhookDeliveryInfo>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
public sealed partial class NodeJson : JsonSerializerContext;
