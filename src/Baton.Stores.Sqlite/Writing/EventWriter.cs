using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>
/// Appends events in the transaction of the change they describe, with the statement prepared once. The
/// sequence number comes from the insert itself: SQLite has one writer at a time, so numbers follow commit order.
/// </summary>
internal sealed class EventWriter : IDisposable
{
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _at;
    private readonly SqliteParameter _kind;
    private readonly SqliteParameter _runId;
    private readonly SqliteParameter _workflowId;
    private readonly SqliteParameter _taskId;
    private readonly SqliteParameter _attempt;
    private readonly SqliteParameter _state;
    private readonly SqliteParameter _payload;

    private readonly SqliteCommand _runWorkflow;
    private readonly SqliteParameter _runWorkflowId;
    // A run's workflow never changes: looked up once per run.
    private readonly Dictionary<long, long?> _workflowOfRun = [];

    public EventWriter(SqliteConnection connection)
    {
        _insert = CommandParameters.Prepared(connection, """
            INSERT INTO events (at, kind, run_id, workflow_id, task_id, attempt, state, payload)
            VALUES (@at, @kind, @run_id, @workflow_id, @task_id, @attempt, @state, @payload)
            RETURNING seq
            """);
        _at = _insert.Add("@at", SqliteType.Text);
        _kind = _insert.Add("@kind", SqliteType.Text);
        _runId = _insert.Add("@run_id", SqliteType.Integer);
        _workflowId = _insert.Add("@workflow_id", SqliteType.Integer);
        _taskId = _insert.Add("@task_id", SqliteType.Integer);
        _attempt = _insert.Add("@attempt", SqliteType.Integer);
        _state = _insert.Add("@state", SqliteType.Text);
        _payload = _insert.Add("@payload", SqliteType.Text);

        _runWorkflow = CommandParameters.Prepared(connection, "SELECT workflow_id FROM runs WHERE id = @id");
        _runWorkflowId = _runWorkflow.Add("@id", SqliteType.Integer);
    }

    /// <summary>Enlists the statements in the transaction that the next appends belong to.</summary>
    public void Enlist(SqliteTransaction transaction)
    {
        _insert.Transaction = transaction;
        _runWorkflow.Transaction = transaction;
    }

    /// <summary>Appends <paramref name="draft"/> (its sequence is ignored) and returns it with its sequence number.</summary>
    public StoredEvent Append(StoredEvent draft)
    {
        _at.Value = StoreTime.ToText(draft.At);
        _kind.Value = draft.Kind.ToWord();
        _runId.Value = draft.RunId.OrNull();
        _workflowId.Value = draft.WorkflowId.OrNull();
        _taskId.Value = draft.TaskId.OrNull();
        _attempt.Value = draft.Attempt.OrNull();
        _state.Value = EventWords.StateWord(draft).OrNull();
        _payload.Value = draft.Payload;
        var sequence = (long)_insert.ExecuteScalar()!;
        return draft with { Sequence = sequence };
    }

    /// <summary>The workflow of a run; null for 0 (no run) or a run that does not exist.</summary>
    public long? WorkflowOf(long runId)
    {
        if (runId <= 0)
        {
            return null;
        }
        if (!_workflowOfRun.TryGetValue(runId, out var workflow))
        {
            _runWorkflowId.Value = runId;
            workflow = _runWorkflow.ExecuteScalar() is long id ? id : null;
            if (workflow is not null)
            {
                _workflowOfRun[runId] = workflow;
            }
        }
        return workflow;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _runWorkflow.Dispose();
    }
}
