using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;

namespace Baton.Core.Stores;

/// <summary>
/// One change to persist. Changes are applied in order; a batch of them commits in one transaction
/// (group commit), never one transaction per change.
/// </summary>
public abstract record StoreChange(long TaskId, DateTimeOffset At);

/// <summary>
/// A task moved from one state to another: a compare-and-set. It applies only while the task is still in
/// <paramref name="From"/>; then it adds a state-history row and a <c>task.state</c> event. Otherwise nothing of
/// it is written and the store reports it in <see cref="ApplyResult.Missed"/>.
/// </summary>
/// <param name="RunId">The run that makes the change; 0 for a change made outside a run.</param>
/// <param name="AttemptCount">When set, the task's count of attempts used (reset to 0 when a run resumes the task).</param>
public sealed record TaskStateChanged(
    long TaskId,
    long RunId,
    TaskState From,
    TaskState To,
    FailureReason Reason,
    string? Message,
    DateTimeOffset At,
    int? AttemptCount = null) : StoreChange(TaskId, At)
{
    /// <summary>
    /// The workflow a change made outside a run is made for, recorded on its event. A run's changes carry their
    /// run's workflow and ignore this.
    /// </summary>
    public long? WorkflowId { get; init; }
}

/// <summary>An attempt was handed to an executor; adds an <c>attempt.started</c> event.</summary>
public sealed record AttemptStarted(
    long TaskId,
    long RunId,
    int Number,
    string Executor,
    string ExecutorId,
    string Host,
    int? ProcessId,
    string Directory,
    DateTimeOffset At) : StoreChange(TaskId, At)
{
    /// <summary>What this attempt asked for (after any scaling by retries); null when not recorded.</summary>
    public ResourceRequest? Resources { get; init; }

    /// <summary>The command line the attempt ran (or failed to start), placeholders filled in; null when not known.</summary>
    public IReadOnlyList<string>? Argv { get; init; }
}

/// <summary>An attempt ended; adds an <c>attempt.ended</c> event (with the run that started the attempt).</summary>
public sealed record AttemptEnded(
    long TaskId,
    int Number,
    AttemptOutcome Outcome,
    int? ExitCode,
    string? Message,
    DateTimeOffset At) : StoreChange(TaskId, At)
{
    /// <summary>What the attempt used, when the executor measured it.</summary>
    public AttemptUsage? Usage { get; init; }
}

/// <summary>What <see cref="IBatonStore.RegisterWorkflowAsync"/> returns: ids and current states, by task index in the graph.</summary>
public sealed record WorkflowRegistration(
    long WorkflowId,
    bool Created,
    long[] TaskIds,
    TaskState[] States,
    FailureReason[] Reasons,
    int[] AttemptCounts,
    int[] LastAttemptNumbers)
{
    /// <summary>The workflow's version (1 for its first DAG under this name and workflow args).</summary>
    public int Version { get; init; } = 1;

    /// <summary>How this version differs from the one that was current before; null when the current version did not change.</summary>
    public WorkflowVersionChange? Change { get; init; }
}

/// <summary>
/// What running a changed workflow file did: the version it recorded (or made current again) and how its tasks
/// differ from the previous current version's. Tasks are compared by identity.
/// </summary>
/// <param name="Added">Tasks of this version that the previous one did not have.</param>
/// <param name="Removed">Tasks of the previous version that this one no longer has (kept in the store).</param>
/// <param name="DoneReused">Tasks of both versions that are Done: they do not run again.</param>
public sealed record WorkflowVersionChange(int Version, int PreviousVersion, int Added, int Removed, int DoneReused)
{
    /// <summary>"version 2 (was 1): +1 task, -0 tasks, 3 done tasks reused".</summary>
    public string Describe() =>
        $"version {Version} (was {PreviousVersion}): +{Added} {Plural(Added)}, -{Removed} {Plural(Removed)}, {DoneReused} done {Plural(DoneReused)} reused";

    private static string Plural(int count) => count == 1 ? "task" : "tasks";
}

public enum RunStatus
{
    Running,
    Done,
    Failed,
    Interrupted,
}

/// <summary>A run as listed by <c>baton runs</c>.</summary>
public sealed record RunRow(
    long RunId,
    long WorkflowId,
    string Workflow,
    RunStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string Host,
    int ProcessId)
{
    /// <summary>The workflow file the run's workflow was read from.</summary>
    public string SourceFile { get; init; } = "";

    /// <summary>The DAG hash of the run's workflow: its identity, with name and workflow args.</summary>
    public string DagHash { get; init; } = "";

    /// <summary>The version of the workflow the run ran.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Whether that version is still the workflow's current one.</summary>
    public bool CurrentVersion { get; init; } = true;

    /// <summary>Who asked for the run (a token's name, or the workspace owner's user name); null when not recorded.</summary>
    public string? SubmittedBy { get; init; }
}

/// <summary>Which tasks <see cref="IBatonStore.ListTasksAsync"/> returns. Null means any.</summary>
public sealed record TaskFilter
{
    public string? Workflow { get; init; }
    public IReadOnlyList<TaskState>? States { get; init; }
    public string? Template { get; init; }
    public string? Tag { get; init; }
    /// <summary>Only tasks of this workflow version (a workflow's name may have several: other args or DAGs).</summary>
    public long? WorkflowId { get; init; }
    /// <summary>Only tasks with this attribute (of their own or of their workflow) set to this value (<c>baton ls --attr key=value</c>).</summary>
    public KeyValuePair<string, string>? Attribute { get; init; }
    /// <summary>A task name (exact) or a prefix of an identity (at least 4 hex digits).</summary>
    public string? NameOrIdentity { get; init; }
    public int? Limit { get; init; }
    /// <summary>Only tasks of each workflow's current version (the DAG run last), each once; otherwise every version's.</summary>
    public bool CurrentVersionsOnly { get; init; }
}

/// <summary>One recorded workflow: its identity (name, workflow args, DAG hash) and what is known about it.</summary>
public sealed record WorkflowRow(
    long WorkflowId,
    string Name,
    IReadOnlyDictionary<string, string> WorkflowArgs,
    string DagHash,
    string SourceFile,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>Its version among the DAGs recorded under its name and workflow args, from 1.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Whether it is the version run last (the one listings show by default).</summary>
    public bool Current { get; init; } = true;
}

/// <summary>Which attempts <see cref="IBatonStore.ListAttemptsAsync"/> returns. Null means any.</summary>
public sealed record AttemptFilter
{
    public string? Workflow { get; init; }
    public string? Template { get; init; }
    public long? RunId { get; init; }
    /// <summary>Only attempts that ended without succeeding (and were not killed on request).</summary>
    public bool FailedOnly { get; init; }
    /// <summary>Only attempts that succeeded.</summary>
    public bool SucceededOnly { get; init; }
    /// <summary>Only attempts of tasks that a workflow's current version uses.</summary>
    public bool CurrentVersionsOnly { get; init; }
}

/// <summary>One attempt with the task it belongs to.</summary>
public sealed record AttemptListing(long TaskId, string Workflow, string Task, string Template, AttemptRow Attempt);

/// <summary>A task as it appears in one workflow.</summary>
public sealed record TaskRow(
    long TaskId,
    string Workflow,
    string Name,
    string Template,
    string Identity,
    TaskState State,
    FailureReason Reason,
    int AttemptCount,
    int? LastExitCode,
    IReadOnlyList<string> Tags,
    string Directory,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The workflow (version) this row lists the task in; 0 when the task belongs to none.</summary>
    public long WorkflowId { get; init; }
}

public sealed record StateHistoryEntry(TaskState State, FailureReason Reason, string? Message, DateTimeOffset At, long? RunId);

public sealed record AttemptRow(
    int Number,
    long RunId,
    string Executor,
    string ExecutorId,
    string Host,
    int? ProcessId,
    string Directory,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    AttemptOutcome? Outcome,
    int? ExitCode,
    string? Message)
{
    /// <summary>What the attempt asked for; null for attempts recorded before requests were kept.</summary>
    public ResourceRequest? Resources { get; init; }

    /// <summary>What the attempt used; null while it runs or when it was not measured.</summary>
    public AttemptUsage? Usage { get; init; }

    /// <summary>The command line it ran; null for attempts recorded before argv was kept.</summary>
    public IReadOnlyList<string>? Argv { get; init; }
}

/// <summary>Everything <c>baton show</c> prints about a task.</summary>
public sealed record TaskDetails(
    TaskRow Task,
    string ParamsJson,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<StateHistoryEntry> History,
    IReadOnlyList<AttemptRow> Attempts)
{
    /// <summary>The tasks it runs after, in the workflow it is shown in (<see cref="TaskRow.Workflow"/>).</summary>
    public IReadOnlyList<TaskLink> Upstream { get; init; } = [];

    /// <summary>The tasks that run after it, in that workflow.</summary>
    public IReadOnlyList<TaskLink> Downstream { get; init; } = [];
}

/// <summary>A task at the other end of a dependency: its id, its name in the workflow, and its state now.</summary>
public sealed record TaskLink(long TaskId, string Name, TaskState State);
