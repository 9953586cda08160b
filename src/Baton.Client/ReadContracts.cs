using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Baton.Engine.Status;

namespace Baton.Client;

/// <summary>
/// What the node's read API answers and what a command renders, from either source: the node's API
/// (<see cref="NodeClient"/>) or the workspace's store read in process (the query layer in Baton.Hosting). One
/// contract, so that a command builds the same view whichever source it reads.
/// </summary>
public interface INodeReads
{
    /// <summary>Runs, newest first, one page: <see cref="RunList.Next"/> continues after its last run.</summary>
    Task<RunList> ListRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>One run with its tasks' counts per state; null when there is no such run.</summary>
    Task<RunInfo?> GetRunAsync(long runId, CancellationToken cancellationToken);

    /// <summary>Tasks in workflow order, one page (keyset: <see cref="TaskList.Next"/> continues after its last row).</summary>
    Task<TaskList> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken);

    /// <summary>One task: identity, parameters, state history, attempts, upstream and downstream; null when unknown.</summary>
    Task<TaskDetails?> GetTaskAsync(long taskId, CancellationToken cancellationToken);

    /// <summary>What succeeded attempts used, per template (<c>baton usage</c>).</summary>
    Task<IReadOnlyList<TemplateUsage>> UsageAsync(InsightQuery query, CancellationToken cancellationToken);

    /// <summary>Failed attempts clustered by cause, per template (<c>baton errors</c>).</summary>
    Task<IReadOnlyList<ErrorCluster>> ErrorsAsync(InsightQuery query, int lastLines, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes of an attempt's stdout or stderr from <paramref name="offset"/>; with <paramref name="follow"/>, then
    /// what the attempt writes until it ends.
    /// </summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLogAsync(long taskId, int attempt, LogStream stream, long offset, bool follow, CancellationToken cancellationToken);
}

/// <summary>Which of an attempt's logs: its standard output or its standard error.</summary>
public enum LogStream
{
    Stdout,
    Stderr,
}

/// <summary>
/// A request names something the node does not have (a run, a task, an attempt): the API answers 404 with
/// <see cref="ApiProblems.NotFound"/>, and a client throws this.
/// </summary>
public sealed class NotFoundException : BatonInputException
{
    public NotFoundException(string message) : base(message) { }

    public NotFoundException(string message, Exception inner) : base(message, inner) { }

    public NotFoundException() { }
}

/// <summary>A run as the API lists it: the store's row and its workflow's tasks counted per state now.</summary>
/// <param name="Tasks">How many of its workflow's tasks are in each state (states with none left out).</param>
public sealed record RunInfo(RunRow Run, IReadOnlyDictionary<TaskState, int> Tasks)
{
    /// <summary>Its progress in memory while the node drives it (<c>GET /runs/{id}</c> only); null otherwise.</summary>
    public RunProgressSnapshot? Live { get; init; }

    /// <summary>
    /// Recorded as running, but the process that drove it (on the host that answers) is gone, killed say: nothing
    /// drives it until its workflow runs again, which reconciles what it left.
    /// </summary>
    public bool Lost { get; init; }
}

/// <summary>One page of runs; <see cref="Next"/> is the cursor of the next page (<c>?after=</c>), null after the last.</summary>
public sealed record RunList(IReadOnlyList<RunInfo> Runs, string? Next);

/// <summary>One page of tasks; <see cref="Next"/> is the cursor of the next page (<c>?after=</c>), null after the last.</summary>
public sealed record TaskList(IReadOnlyList<TaskRow> Tasks, string? Next);

/// <summary><c>GET /api/v1/runs</c>: which runs, and which page. Null means any.</summary>
public sealed record RunQuery
{
    public const int DefaultLimit = 50;

    public string? Workflow { get; init; }

    /// <summary>Only runs that this user or token submitted (<see cref="RunRow.SubmittedBy"/>).</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>Only runs with one of these statuses.</summary>
    public IReadOnlyList<RunStatus>? Statuses { get; init; }

    /// <summary>Only runs started at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only runs started before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Also runs of earlier versions of each workflow (by default: of the current version only).</summary>
    public bool AllVersions { get; init; }

    /// <summary>The cursor a previous page gave (<see cref="RunList.Next"/>); null for the first page.</summary>
    public string? After { get; init; }

    public int Limit { get; init; } = DefaultLimit;
}

/// <summary><c>GET /api/v1/tasks</c>: which tasks, and which page. Null means any.</summary>
public sealed record TaskQuery
{
    public const int DefaultLimit = 100;

    public string? Workflow { get; init; }

    /// <summary>Only the tasks of this run's workflow (version).</summary>
    public long? RunId { get; init; }

    public IReadOnlyList<TaskState>? States { get; init; }

    public string? Template { get; init; }

    public string? Tag { get; init; }

    /// <summary>Only tasks whose attribute (or whose workflow's) has this value: <c>KEY=VALUE</c>.</summary>
    public string? Attribute { get; init; }

    /// <summary>A task name (exact) or a prefix of an identity (at least 4 hex digits).</summary>
    public string? Text { get; init; }

    /// <summary>Also the tasks of earlier versions of each workflow (by default: each workflow's current version).</summary>
    public bool AllVersions { get; init; }

    /// <summary>The cursor a previous page gave (<see cref="TaskList.Next"/>); null for the first page.</summary>
    public string? After { get; init; }

    public int Limit { get; init; } = DefaultLimit;
}

/// <summary><c>GET /api/v1/usage</c> and <c>/errors</c>: whose attempts. Null means any.</summary>
public sealed record InsightQuery
{
    public string? Workflow { get; init; }

    public string? Template { get; init; }

    /// <summary>Only the attempts of this run (whatever version of its workflow is current now).</summary>
    public long? RunId { get; init; }

    /// <summary>Also the attempts of tasks that only earlier versions of a workflow use.</summary>
    public bool AllVersions { get; init; }
}
