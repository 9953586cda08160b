using System.Globalization;
using System.Text;
using System.Text.Json;
using Baton.Core.Executors;

namespace Baton.Experiments.Execution;

/// <summary>What a running task knows about where and how it runs.</summary>
public sealed class TaskContext
{
    /// <summary>The environment variable that holds the end of the attempt's runtime limit, in Unix seconds (UTC).</summary>
    public const string DeadlineVariable = AttemptVariables.Deadline;

    private readonly TimeProvider _time;

    internal TaskContext(string taskDirectory, string workspace, int attempt, IReadOnlyDictionary<string, string> tags, DateTimeOffset? deadline, TimeProvider time)
    {
        TaskDirectory = taskDirectory;
        Workspace = workspace;
        Attempt = attempt;
        Tags = tags;
        _time = time;
        Deadline = deadline;
    }

    /// <summary>The task directory (also the working directory); it is kept across the attempts of a resumable task.</summary>
    public string TaskDirectory { get; }

    /// <summary>The workspace root.</summary>
    public string Workspace { get; }

    /// <summary>The attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The task's tags (the union of the tags of its configurations).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>When the attempt's runtime limit ends; null when there is none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>The time left before the runtime limit ends the attempt (never negative); null when there is no limit.</summary>
    public TimeSpan? RemainingTime() =>
        Deadline is { } deadline ? (deadline - _time.GetUtcNow()) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero : null;

    /// <summary>
    /// Registers an output while the task runs (a checkpoint every N steps): appended to
    /// <see cref="TaskOutputs.FileName"/>, where the experiment that submitted the task picks it up and calls the
    /// callbacks watching <paramref name="name"/>. <paramref name="value"/> is serialized as JSON.
    /// </summary>
    public void RegisterOutput<TEvent>(string name, TEvent value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var line = JsonSerializer.Serialize(new { name, value }, TaskOutputs.Json) + "\n";
        // One write of a whole line in append mode: a reader never sees half of it followed by another line.
        using var file = new FileStream(Path.Combine(TaskDirectory, TaskOutputs.FileName), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(Encoding.UTF8.GetBytes(line));
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// A value cached for <paramref name="config"/> in the workspace (experimaestro's <c>@cache</c>): see
    /// <see cref="ConfigCache.UseAsync"/>.
    /// </summary>
    public Task<T> CachedAsync<T>(Configs.Config config, string fileName, Func<FileInfo, CancellationToken, Task<T>> use, CancellationToken cancellationToken) =>
        ConfigCache.UseAsync(Workspace, config, fileName, use, cancellationToken);

    internal static DateTimeOffset? ReadDeadline(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;
}
