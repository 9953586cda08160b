using System.Text.Json;

namespace Baton.Experiments.Execution;

/// <summary>
/// Dynamic outputs: a running task appends one JSON line per registered output to <see cref="FileName"/> in its
/// task directory, <c>{"name": ..., "value": ...}</c>; the experiment reads the file as it grows and calls the
/// callbacks watching that name. The file survives attempts and runs, so its events are replayed after a restart.
/// </summary>
public static class TaskOutputs
{
    public const string FileName = "task-outputs.jsonl";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
