using Baton.Core.Graph;
using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// Where Baton's state lives: workflows, runs, tasks, edges, attempts, state history and events (and a server's
/// API tokens: <see cref="ITokenStore"/>).
/// One contract, one contract test suite that every store passes (SQLite, PostgreSQL).
/// </summary>
/// <remarks>
/// Events: every committed task state change, attempt start and end, and run start and end appends one
/// <see cref="StoredEvent"/> in the same transaction as the change. Sequence numbers follow commit order: once a
/// reader has seen an event with sequence <c>n</c>, no event with a sequence at or below <c>n</c> can appear later
/// (a store whose sequence generator does not give this must serialize its appends). Within one transaction the
/// numbers are contiguous. Gaps between transactions are allowed but should be rare (a reader takes a gap as a
/// hint to read again).
/// </remarks>
public interface IBatonStore : ITokenStore, IWebhookStore, IAsyncDisposable
{
    /// <summary>Creates the schema or migrates it to the current version.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records a workflow and its tasks and edges in one transaction. A task is keyed by its identity: a task that
    /// exists already keeps its state (a Done task stays Done); its name, tags, attributes and parameters are
    /// updated. The workflow is re-found when name, workflow args and DAG hash match.
    /// </summary>
    /// <param name="taskDirectories">Each task's directory, by graph index.</param>
    /// <param name="paramsJson">Each task's params.json text, by graph index.</param>
    ValueTask<WorkflowRegistration> RegisterWorkflowAsync(
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// Adds tasks to a registered workflow while it runs (a typed experiment submits as it goes): the tasks of
    /// <paramref name="graph"/> from <paramref name="firstNew"/> on join the workflow, keyed by identity as in
    /// <see cref="RegisterWorkflowAsync"/> (a Done task stays Done); the tasks before them are already in it.
    /// Directories, parameters and the returned registration are indexed from <paramref name="firstNew"/>.
    /// </summary>
    ValueTask<WorkflowRegistration> AddTasksAsync(
        long workflowId,
        WorkflowGraph graph,
        int firstNew,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Opens a run of a workflow, with a <c>run.started</c> event; returns its id.</summary>
    /// <param name="submittedBy">Who asked for the run (a token's name, a user name); null when unknown.</param>
    ValueTask<long> StartRunAsync(long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Closes a run with its final status, with a <c>run.ended</c> event.</summary>
    ValueTask FinishRunAsync(long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: drops the claims of <paramref name="deadOwners"/> (exactly those owners: a claim taken
    /// since by someone else stays), claims for <paramref name="owner"/> every task of <paramref name="taskIds"/>
    /// that nobody holds, and returns each task's holder and current state.
    /// </summary>
    ValueTask<IReadOnlyList<TaskClaim>> ClaimTasksAsync(
        ClaimOwner owner,
        IReadOnlyList<long> taskIds,
        IReadOnlyCollection<ClaimOwner> deadOwners,
        DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Drops every claim of a run (when it ends).</summary>
    ValueTask ReleaseClaimsAsync(long runId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies changes in order, all in one transaction, each with its event. A <see cref="TaskStateChanged"/> is a
    /// compare-and-set on the task's state: when the task is no longer in its <c>From</c> state it writes nothing
    /// (no state, history row or event), is returned in <see cref="ApplyResult.Missed"/> with the state found, and
    /// the rest of the batch still commits. Later changes of the batch see the states earlier ones wrote.
    /// A change that cannot apply at all (an unknown task, run or attempt; a duplicate attempt number) is a bug in
    /// the caller: it throws <see cref="InvalidOperationException"/> and nothing of the batch is written.
    /// </summary>
    /// <returns>The events appended, in sequence order, and the missed changes, in batch order.</returns>
    ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Removes tasks and everything recorded about them (attempts, state history, their rows in workflows, their
    /// edges) in one transaction, except tasks that a run claims (it may be running them). Returns the ids removed.
    /// Task directories are the caller's: a store knows nothing of files.
    /// </summary>
    ValueTask<IReadOnlyList<long>> RemoveTasksAsync(IReadOnlyList<long> taskIds, CancellationToken cancellationToken);

    /// <summary>
    /// Tasks as listed in workflows (a task in two workflows, or under two names, is two rows), ordered by
    /// workflow id, then the task's index in the workflow; at most <see cref="TaskFilter.Limit"/> rows.
    /// </summary>
    ValueTask<IReadOnlyList<TaskRow>> ListTasksAsync(TaskFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// One page of what <see cref="ListTasksAsync"/> lists (same filter and order; <see cref="TaskFilter.Limit"/> is
    /// ignored): at most <paramref name="limit"/> rows after <paramref name="after"/> (from the start when null).
    /// Keyset paging: following <see cref="TaskPage.Next"/> returns every row that existed when paging began exactly
    /// once, even while workflows and tasks are added; rows added meanwhile may or may not appear.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    ValueTask<TaskPage> ListTasksPageAsync(TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// How many of the rows <see cref="ListTasksAsync"/> would list (ignoring <see cref="TaskFilter.Limit"/>) are in
    /// each state, counted by the store; states with none are left out. The counts of one run's tasks are those
    /// of its workflow: <c>new TaskFilter { WorkflowId = run.WorkflowId }</c>.
    /// </summary>
    ValueTask<IReadOnlyDictionary<TaskState, int>> CountTasksAsync(TaskFilter filter, CancellationToken cancellationToken);

    ValueTask<TaskDetails?> GetTaskDetailsAsync(long taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Attempts with their task's name and template, for error reports and usage statistics: in workflow order,
    /// each task's attempts by number.
    /// </summary>
    ValueTask<IReadOnlyList<AttemptListing>> ListAttemptsAsync(AttemptFilter filter, CancellationToken cancellationToken);

    /// <summary>Workflows (every version: name, workflow args and DAG), oldest first; only those named <paramref name="name"/> when set.</summary>
    ValueTask<IReadOnlyList<WorkflowRow>> ListWorkflowsAsync(string? name, CancellationToken cancellationToken);

    /// <summary>Runs, newest first; only those of one workflow when <paramref name="workflow"/> is set.</summary>
    ValueTask<IReadOnlyList<RunRow>> ListRunsAsync(string? workflow, CancellationToken cancellationToken);

    /// <summary>One run, as <see cref="ListRunsAsync"/> lists it; null when no run has that id.</summary>
    ValueTask<RunRow?> GetRunAsync(long runId, CancellationToken cancellationToken);

    /// <summary>
    /// Events with a sequence number above <paramref name="afterSequence"/> that <paramref name="filter"/> matches
    /// (all when null), in sequence order, at most <paramref name="limit"/>. Read as one snapshot: every matching
    /// event with a sequence below the last one returned is in the result.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    ValueTask<IReadOnlyList<StoredEvent>> ReadEventsAsync(long afterSequence, int limit, EventFilter? filter, CancellationToken cancellationToken);

    /// <summary>The sequence number of the latest committed event; 0 when there is none.</summary>
    ValueTask<long> LatestEventSequenceAsync(CancellationToken cancellationToken);
}
