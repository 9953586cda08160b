using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Takes, reads and releases task claims in one transaction, as one batch. Claims are rows keyed by task: taking
/// one is an insert that does nothing when the task is held, so two nodes claiming the same tasks contend only on
/// those rows (in task id order, the store's lock order), never on one global lock.
/// </summary>
internal static class ClaimWriter
{
    public static async Task<IReadOnlyList<TaskClaim>> ClaimAsync(
        NpgsqlConnection connection, ClaimOwner owner, IReadOnlyList<long> taskIds, IReadOnlyCollection<ClaimOwner> deadOwners,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = taskIds.Distinct().Order().ToArray();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (deadOwners.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                DELETE FROM task_claims c
                USING unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[]) AS dead (run_id, host, pid, start_time)
                WHERE c.run_id = dead.run_id AND c.host = dead.host AND c.pid = dead.pid AND c.start_time = dead.start_time
                """)
                .With(deadOwners.Select(d => d.RunId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint)
                .With(deadOwners.Select(d => d.Host).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
                .With(deadOwners.Select(d => d.ProcessId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer)
                .With(deadOwners.Select(d => d.StartTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint));
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO task_claims (task_id, run_id, host, pid, start_time, claimed_at)
            SELECT t.id, $2, $3, $4, $5, $6 FROM tasks t WHERE t.id = ANY($1) ORDER BY t.id
            ON CONFLICT (task_id) DO NOTHING
            """)
            .With(ids, NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            .With(owner.RunId, NpgsqlDbType.Bigint)
            .With(owner.Host, NpgsqlDbType.Text)
            .With(owner.ProcessId, NpgsqlDbType.Integer)
            .With(owner.StartTime, NpgsqlDbType.Bigint)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT c.task_id, c.run_id, c.host, c.pid, c.start_time, t.state, t.attempt_count,
                   coalesce((SELECT max(a.number) FROM attempts a WHERE a.task_id = t.id), 0)
            FROM task_claims c JOIN tasks t ON t.id = c.task_id
            WHERE c.task_id = ANY($1)
            ORDER BY c.task_id
            """)
            .With(ids, NpgsqlDbType.Array | NpgsqlDbType.Bigint));
        var claims = new List<TaskClaim>(ids.Length);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // The claims are the last statement's rows; the statements before it return none.
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    claims.Add(new TaskClaim(
                        reader.GetInt64(0),
                        new ClaimOwner(reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4)),
                        StoreWords.State(reader.GetString(5)),
                        reader.GetInt32(6),
                        reader.GetInt32(7)));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return claims;
    }

    public static async Task ReleaseAsync(NpgsqlConnection connection, long runId, CancellationToken cancellationToken)
    {
        await using var release = new NpgsqlCommand("DELETE FROM task_claims WHERE run_id = $1", connection)
            .With(runId, NpgsqlDbType.Bigint);
        await release.ExecuteNonQueryAsync(cancellationToken);
    }
}
