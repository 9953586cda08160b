using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Baton.Stores.Sqlite.Connections;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Opens and closes runs, each with its event: a few statements per run, so only the event's insert is prepared.</summary>
internal static class RunWriter
{
    public static long Start(SqliteConnection connection, EventWriter events, long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO runs (workflow_id, status, started_at, host, pid, submitted_by)
            VALUES (@workflow_id, @status, @started_at, @host, @pid, @submitted_by)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("@workflow_id", workflowId);
        insert.Parameters.AddWithValue("@status", RunStatus.Running.ToWord());
        insert.Parameters.AddWithValue("@started_at", StoreTime.ToText(now));
        insert.Parameters.AddWithValue("@host", host);
        insert.Parameters.AddWithValue("@pid", processId);
        insert.Parameters.AddWithValue("@submitted_by", (object?)submittedBy ?? DBNull.Value);
        long id;
        try
        {
            id = (long)insert.ExecuteScalar()!;
        }
        catch (SqliteException exception) when (StoreErrors.IsConstraint(exception))
        {
            throw new InvalidOperationException($"cannot start a run: no workflow has id {workflowId}", exception);
        }
        events.Enlist(transaction);
        events.Append(new StoredEvent(0, EventKind.RunStarted, now)
        {
            RunId = id,
            WorkflowId = workflowId,
            Payload = EventPayload.RunStarted(host, processId),
        });
        transaction.Commit();
        return id;
    }

    public static void Finish(SqliteConnection connection, EventWriter events, long runId, RunStatus status, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction();
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE runs SET status = @status, ended_at = @ended_at WHERE id = @id RETURNING workflow_id";
        update.Parameters.AddWithValue("@status", status.ToWord());
        update.Parameters.AddWithValue("@ended_at", StoreTime.ToText(now));
        update.Parameters.AddWithValue("@id", runId);
        if (update.ExecuteScalar() is not long workflowId)
        {
            throw new InvalidOperationException($"cannot finish run {runId}: no run has that id");
        }
        events.Enlist(transaction);
        events.Append(new StoredEvent(0, EventKind.RunEnded, now)
        {
            RunId = runId,
            WorkflowId = workflowId,
            RunStatus = status,
            Payload = EventPayload.RunEnded(),
        });
        transaction.Commit();
    }
}
