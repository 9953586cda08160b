using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Baton.Stores.Sqlite.Connections;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Opens and closes runs: a few statements per run, so nothing is kept prepared.</summary>
internal static class RunWriter
{
    public static long Start(SqliteConnection connection, long workflowId, string host, int processId, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO runs (workflow_id, status, started_at, host, pid)
            VALUES (@workflow_id, @status, @started_at, @host, @pid)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("@workflow_id", workflowId);
        insert.Parameters.AddWithValue("@status", StoreWords.ToWord(RunStatus.Running));
        insert.Parameters.AddWithValue("@started_at", StoreTime.ToText(now));
        insert.Parameters.AddWithValue("@host", host);
        insert.Parameters.AddWithValue("@pid", processId);
        long id;
        try
        {
            id = (long)insert.ExecuteScalar()!;
        }
        catch (SqliteException exception) when (StoreErrors.IsConstraint(exception))
        {
            throw new InvalidOperationException($"cannot start a run: no workflow has id {workflowId}", exception);
        }
        transaction.Commit();
        return id;
    }

    public static void Finish(SqliteConnection connection, long runId, RunStatus status, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction();
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE runs SET status = @status, ended_at = @ended_at WHERE id = @id";
        update.Parameters.AddWithValue("@status", StoreWords.ToWord(status));
        update.Parameters.AddWithValue("@ended_at", StoreTime.ToText(now));
        update.Parameters.AddWithValue("@id", runId);
        if (update.ExecuteNonQuery() != 1)
        {
            throw new InvalidOperationException($"cannot finish run {runId}: no run has that id");
        }
        transaction.Commit();
    }
}
