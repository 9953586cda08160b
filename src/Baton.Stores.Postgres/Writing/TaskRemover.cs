using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Removes tasks and everything recorded about them (<c>baton clean</c>), in one transaction. A task that a run
/// claims is left in place: a live run may be running it, and a dead run's claim is taken over by the next run.
/// </summary>
internal static class TaskRemover
{
    public static async Task<IReadOnlyList<long>> RemoveAsync(NpgsqlConnection connection, IReadOnlyList<long> taskIds, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removable = new List<long>(taskIds.Count);
        await using (var select = new NpgsqlCommand("""
            SELECT t.id FROM tasks t WHERE t.id = ANY(@ids)
            AND NOT EXISTS (SELECT 1 FROM task_claims c WHERE c.task_id = t.id)
            ORDER BY t.id
            FOR UPDATE
            """, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = taskIds.ToArray() });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                removable.Add(reader.GetInt64(0));
            }
        }
        // Rows that refer to a task first.
        foreach (var sql in new[]
        {
            "DELETE FROM edges WHERE downstream_task_id = ANY(@ids) OR upstream_task_id = ANY(@ids)",
            "DELETE FROM workflow_tasks WHERE task_id = ANY(@ids)",
            "DELETE FROM state_history WHERE task_id = ANY(@ids)",
            "DELETE FROM attempts WHERE task_id = ANY(@ids)",
            "DELETE FROM tasks WHERE id = ANY(@ids)",
        })
        {
            await using var delete = new NpgsqlCommand(sql, connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = removable.ToArray() });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return removable;
    }
}
