using Baton.Core.Graph;

namespace Baton.Core.Stores;

/// <summary>
/// Where Baton's state lives: workflows, runs, tasks, edges, attempts and state history.
/// One contract, one contract test suite that every store passes (SQLite, PostgreSQL).
/// </summary>
public interface IBatonStore : IAsyncDisposable
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

    /// <summary>Opens a run of a workflow.</summary>
    ValueTask<long> StartRunAsync(long workflowId, string host, int processId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Closes a run with its final status.</summary>
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

    /// <summary>Applies changes in order, all in one transaction.</summary>
    ValueTask ApplyAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Removes tasks and everything recorded about them (attempts, state history, their rows in workflows, their
    /// edges) in one transaction, except tasks that a run claims (it may be running them). Returns the ids removed.
    /// Task directories are the caller's: a store knows nothing of files.
    /// </summary>
    ValueTask<IReadOnlyList<long>> RemoveTasksAsync(IReadOnlyList<long> taskIds, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<TaskRow>> ListTasksAsync(TaskFilter filter, CancellationToken cancellationToken);

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
}
