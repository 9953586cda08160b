using System.Text.Json;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>
/// Removes tasks and everything recorded about them (<c>baton clean</c>), in one transaction. A task that a run
/// claims is left in place: a live run may be running it, and a dead run's claim is taken over by the next run.
/// </summary>
internal static class TaskRemover
{
    public static IReadOnlyList<long> Remove(SqliteConnection connection, IReadOnlyList<long> taskIds)
    {
        using var transaction = connection.BeginTransaction();
        var removable = new List<long>(taskIds.Count);
        using (var select = Command(connection, transaction, """
            SELECT t.id FROM json_each(@ids) j JOIN tasks t ON t.id = j.value
            WHERE NOT EXISTS (SELECT 1 FROM task_claims c WHERE c.task_id = t.id)
            """))
        {
            select.Parameters.AddWithValue("@ids", JsonSerializer.Serialize(taskIds.ToArray(), StoreJsonContext.Default.Int64Array));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                removable.Add(reader.GetInt64(0));
            }
        }
        var ids = JsonSerializer.Serialize(removable.ToArray(), StoreJsonContext.Default.Int64Array);
        // Rows that reference a task first (foreign keys are on).
        foreach (var sql in new[]
        {
            "DELETE FROM edges WHERE downstream_task_id IN (SELECT value FROM json_each(@ids)) OR upstream_task_id IN (SELECT value FROM json_each(@ids))",
            "DELETE FROM workflow_tasks WHERE task_id IN (SELECT value FROM json_each(@ids))",
            "DELETE FROM state_history WHERE task_id IN (SELECT value FROM json_each(@ids))",
            "DELETE FROM attempts WHERE task_id IN (SELECT value FROM json_each(@ids))",
            "DELETE FROM tasks WHERE id IN (SELECT value FROM json_each(@ids))",
        })
        {
            using var delete = Command(connection, transaction, sql);
            delete.Parameters.AddWithValue("@ids", ids);
            delete.ExecuteNonQuery();
        }
        transaction.Commit();
        return removable;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
