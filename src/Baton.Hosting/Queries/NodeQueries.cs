using System.Globalization;
using System.Runtime.CompilerServices;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Node;
using Baton.Engine.Status;

namespace Baton.Hosting.Queries;

/// <summary>
/// The read side of a workspace, shared by the node's read API, the dashboard (in process) and the CLI when it reads
/// the store without a node: everything comes from the store contract, plus the node's memory for the runs it drives
/// now (<paramref name="engine"/>; null when no node is in this process). Bad input is a
/// <see cref="BatonInputException"/>, an unknown run, task or attempt a <see cref="NotFoundException"/>.
/// </summary>
public sealed partial class NodeQueries(IBatonStore store, NodeEngine? engine, TimeProvider time) : INodeReads, ITaskFiles
{
    /// <summary>The most rows one page may ask for.</summary>
    public const int MaxLimit = 1000;

    public async Task<RunList> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(query.Limit);
        long? after = null;
        if (query.After is { } cursor)
        {
            after = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : throw new BatonInputException($"after '{cursor}' is not a cursor of the runs listing (give the 'next' of the previous page)");
        }
        // The store lists a workspace's runs whole (they are few next to tasks); pages are cut by run id, newest
        // first, so a page boundary stays put while runs are added.
        var rows = (await store.ListRunsAsync(query.Workflow, cancellationToken).ConfigureAwait(false))
            .Where(r => query.AllVersions || r.CurrentVersion)
            .Where(r => query.SubmittedBy is not { } who || string.Equals(r.SubmittedBy, who, StringComparison.Ordinal))
            .Where(r => query.Statuses is not { Count: > 0 } statuses || statuses.Contains(r.Status))
            .Where(r => query.Since is not { } since || r.StartedAt >= since)
            .Where(r => query.Until is not { } until || r.StartedAt < until)
            .Where(r => after is not { } a || r.RunId < a)
            .OrderByDescending(r => r.RunId)
            .Take(query.Limit + 1)
            .ToList();
        var more = rows.Count > query.Limit;
        var page = rows.Take(query.Limit).ToList();
        var counts = new Dictionary<long, IReadOnlyDictionary<TaskState, int>>();
        var runs = new List<RunInfo>(page.Count);
        foreach (var row in page)
        {
            if (!counts.TryGetValue(row.WorkflowId, out var count))
            {
                count = await store.CountTasksAsync(new TaskFilter { WorkflowId = row.WorkflowId }, cancellationToken).ConfigureAwait(false);
                counts[row.WorkflowId] = count;
            }
            runs.Add(new RunInfo(row, count) { Lost = IsLost(row) });
        }
        return new RunList(runs, more ? page[^1].RunId.ToString(CultureInfo.InvariantCulture) : null);
    }

    public async Task<RunInfo?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } row)
        {
            return null;
        }
        var counts = await store.CountTasksAsync(new TaskFilter { WorkflowId = row.WorkflowId }, cancellationToken).ConfigureAwait(false);
        var live = engine?.Find(runId) is { IsActive: true } run ? run.Progress.Snapshot() : null;
        return new RunInfo(row, counts) { Live = live, Lost = IsLost(row) };
    }

    /// <summary>A run recorded as running whose process on this host is gone (a run on another host cannot be checked from here).</summary>
    private static bool IsLost(RunRow row) =>
        row.Status == RunStatus.Running && OperatingSystem.IsLinux() && row.Host == Environment.MachineName && row.ProcessId > 0
        && !Directory.Exists($"/proc/{row.ProcessId.ToString(CultureInfo.InvariantCulture)}");

    public async Task<TaskList> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(query.Limit);
        TaskPageKey? after = null;
        if (query.After is { } cursor && !TaskPageKey.TryParse(cursor, out after))
        {
            throw new BatonInputException($"after '{cursor}' is not a cursor of the tasks listing (give the 'next' of the previous page)");
        }
        long? workflowId = null;
        if (query.RunId is { } runId)
        {
            workflowId = (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false))?.WorkflowId
                ?? throw new NotFoundException($"no run {runId} in this workspace");
        }
        var filter = new TaskFilter
        {
            Workflow = query.Workflow,
            WorkflowId = workflowId,
            States = query.States is { Count: > 0 } states ? states : null,
            Template = query.Template,
            Tag = query.Tag,
            Attribute = query.Attribute is { } text ? ParseAttribute(text) : null,
            NameOrIdentity = query.Text,
            // A run's tasks are those of the version it ran, current or not.
            CurrentVersionsOnly = !query.AllVersions && workflowId is null,
        };
        var page = await store.ListTasksPageAsync(filter, after, query.Limit, cancellationToken).ConfigureAwait(false);
        return new TaskList(page.Tasks, page.Next?.ToString());
    }

    public async Task<TaskDetails?> GetTaskAsync(long taskId, CancellationToken cancellationToken) =>
        await store.GetTaskDetailsAsync(taskId, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<TemplateUsage>> UsageAsync(InsightQuery query, CancellationToken cancellationToken) =>
        await UsageReport.BuildAsync(store, await AttemptsOfAsync(query, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ErrorCluster>> ErrorsAsync(InsightQuery query, int lastLines, CancellationToken cancellationToken)
    {
        if (lastLines is < 1 or > MaxLimit)
        {
            throw new BatonInputException($"lines {lastLines} is not valid: show from 1 to {MaxLimit} lines");
        }
        return await ErrorReport.BuildAsync(store, await AttemptsOfAsync(query, cancellationToken).ConfigureAwait(false), lastLines, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLogAsync(long taskId, int attempt, LogStream stream, long offset, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (offset < 0)
        {
            throw new BatonInputException($"offset {offset} is not valid: give a byte offset of at least 0");
        }
        // The sequence before the store is read: an end committed after it reaches the subscription below.
        var seen = engine is null ? 0 : await store.LatestEventSequenceAsync(cancellationToken).ConfigureAwait(false);
        var log = await LogAsync(taskId, attempt, stream, cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Without a node in this process, the attempt's exit.json tells when it ended.
        var ended = log.Attempt.EndedAt is not null
            ? Task.CompletedTask
            : follow && engine is not null ? AttemptEndAsync(engine, taskId, attempt, seen, stop.Token) : new TaskCompletionSource().Task;
        try
        {
            await foreach (var chunk in AttemptLogs.ReadAsync(log, offset, follow, ended, time, cancellationToken).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The log file of an attempt, confined to its task's directory.</summary>
    public async Task<AttemptLog> LogAsync(long taskId, int attempt, LogStream stream, CancellationToken cancellationToken)
    {
        var details = await store.GetTaskDetailsAsync(taskId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"no task {taskId} in this workspace");
        var row = details.Attempts.FirstOrDefault(a => a.Number == attempt)
            ?? throw new NotFoundException(details.Attempts.Count == 0
                ? $"task '{details.Task.Name}' has no attempt yet (state {details.Task.State.ToWord()})"
                : $"task '{details.Task.Name}' has no attempt {attempt} (attempts: {string.Join(", ", details.Attempts.Select(a => a.Number))})");
        return AttemptLogs.Locate(details.Task, row, stream);
    }

    public async Task<TaskFileList> ListFilesAsync(long taskId, string? after, int limit, bool sha256, CancellationToken cancellationToken) =>
        await TaskFiles.PageAsync(await TaskRowAsync(taskId, cancellationToken).ConfigureAwait(false), after, limit, sha256, cancellationToken).ConfigureAwait(false);

    /// <summary>The file a download of <paramref name="path"/> serves, confined to the task's directory.</summary>
    public async Task<string> FileAsync(long taskId, string path, CancellationToken cancellationToken) =>
        TaskFiles.Locate(await TaskRowAsync(taskId, cancellationToken).ConfigureAwait(false), path);

    public async Task CopyFileAsync(long taskId, string path, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var source = new FileStream(await FileAsync(taskId, path, cancellationToken).ConfigureAwait(false), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CopyZipAsync(long taskId, Stream destination, CancellationToken cancellationToken) =>
        await TaskFiles.WriteZipAsync(TaskFiles.Walk(await TaskRowAsync(taskId, cancellationToken).ConfigureAwait(false)), destination, cancellationToken).ConfigureAwait(false);

    /// <summary>The task <paramref name="taskId"/> names; a <see cref="NotFoundException"/> when there is none.</summary>
    public async Task<TaskRow> TaskRowAsync(long taskId, CancellationToken cancellationToken) =>
        (await store.GetTaskDetailsAsync(taskId, cancellationToken).ConfigureAwait(false))?.Task
            ?? throw new NotFoundException($"no task {taskId} in this workspace");

    private async Task<AttemptFilter> AttemptsOfAsync(InsightQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new AttemptFilter { Workflow = query.Workflow, Template = query.Template, CurrentVersionsOnly = !query.AllVersions };
        if (query.RunId is { } runId)
        {
            _ = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"no run {runId} in this workspace (see baton runs)");
            // One run: every attempt it made, whatever version of its workflow is current now.
            filter = filter with { RunId = runId, CurrentVersionsOnly = false };
        }
        return filter;
    }

    /// <summary>Completes when the node commits the end of the attempt (an <c>attempt.ended</c> event after <paramref name="after"/>).</summary>
    private static async Task AttemptEndAsync(NodeEngine engine, long taskId, int attempt, long after, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in engine.Events.SubscribeAsync(after, new EventFilter { TaskId = taskId }, cancellationToken).ConfigureAwait(false))
            {
                if (e.Kind == EventKind.AttemptEnded && e.Attempt == attempt)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The reader stopped first.
        }
    }

    private static void CheckLimit(int limit)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new BatonInputException($"limit {limit} is not valid: ask for 1 to {MaxLimit} rows");
        }
    }

    private static KeyValuePair<string, string> ParseAttribute(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            ? new(text[..equals], text[(equals + 1)..])
            : throw new BatonInputException($"attribute '{text}' is not KEY=VALUE");
    }
}
