using Baton.Client;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Hosting.Queries;

/// <summary>A template of a run's workflow: its tasks counted per state, and the templates its tasks run after.</summary>
public sealed record TemplateSummary(string Name, IReadOnlyDictionary<TaskState, int> Counts, IReadOnlyList<string> Upstream)
{
    public int Total => Counts.Values.Sum();
}

/// <summary>A byte range of a log file and the file's length when it was read.</summary>
public sealed record LogRange(ReadOnlyMemory<byte> Bytes, long Offset, long FileLength);

// What the dashboard's pages read beside what the read API serves: summaries a page shows at once.
public sealed partial class NodeQueries
{
    /// <summary>How many runs (of the current versions; of <paramref name="workflow"/> when set) are in each status.</summary>
    public async Task<IReadOnlyDictionary<RunStatus, int>> CountRunsAsync(string? workflow, CancellationToken cancellationToken) =>
        (await store.ListRunsAsync(workflow, cancellationToken).ConfigureAwait(false))
            .Where(r => r.CurrentVersion)
            .GroupBy(r => r.Status)
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The sequence number of the newest committed event: where a page's live updates start following.</summary>
    public async Task<long> LatestEventAsync(CancellationToken cancellationToken) =>
        await store.LatestEventSequenceAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Every attempt run <paramref name="runId"/> made, with its task.</summary>
    public async Task<IReadOnlyList<AttemptListing>> RunAttemptsAsync(long runId, CancellationToken cancellationToken)
    {
        _ = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"no run {runId} in this workspace");
        return await store.ListAttemptsAsync(new AttemptFilter { RunId = runId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The templates of run <paramref name="runId"/>'s workflow in workflow order, their tasks counted per state, and
    /// the templates the first task of each runs after (a graph of templates, never of tasks).
    /// </summary>
    public async Task<IReadOnlyList<TemplateSummary>> TemplatesAsync(long runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"no run {runId} in this workspace");
        var tasks = await store.ListTasksAsync(new TaskFilter { WorkflowId = run.WorkflowId }, cancellationToken).ConfigureAwait(false);
        var templateOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            templateOf.TryAdd(task.Name, task.Template);
        }
        var summaries = new List<TemplateSummary>();
        foreach (var group in tasks.GroupBy(t => t.Template, StringComparer.Ordinal))
        {
            var counts = group.GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count());
            var sample = await store.GetTaskDetailsAsync(group.First().TaskId, cancellationToken).ConfigureAwait(false);
            var upstream = (sample?.Upstream ?? [])
                .Select(link => templateOf.GetValueOrDefault(link.Name))
                .OfType<string>()
                .Where(t => t != group.Key)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            summaries.Add(new TemplateSummary(group.Key, counts, upstream));
        }
        return summaries;
    }

    /// <summary>At most <paramref name="maxBytes"/> of an attempt's log from <paramref name="offset"/> (confined as <see cref="LogAsync"/> is).</summary>
    public async Task<LogRange> ReadLogRangeAsync(long taskId, int attempt, LogStream stream, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        if (offset < 0)
        {
            throw new Core.Errors.BatonInputException($"offset {offset} is not valid: give a byte offset of at least 0");
        }
        var log = await LogAsync(taskId, attempt, stream, cancellationToken).ConfigureAwait(false);
        if (!File.Exists(log.Path))
        {
            return new LogRange(ReadOnlyMemory<byte>.Empty, 0, 0);
        }
        var file = new FileStream(log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var length = file.Length;
            var from = Math.Min(offset, length);
            file.Seek(from, SeekOrigin.Begin);
            var buffer = new byte[(int)Math.Min(maxBytes, length - from)];
            var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return new LogRange(buffer.AsMemory(0, read), from, length);
        }
    }
}
