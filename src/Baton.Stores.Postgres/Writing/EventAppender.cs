using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Appends a transaction's events as its last statement, under a transaction-level advisory lock that is held to
/// commit: two nodes' transactions append one after the other, so sequence numbers follow commit order (what a
/// reader catching up by sequence relies on). The lock is taken last, so it is held only for this insert and the
/// commit, never while the changes themselves wait on row locks.
/// </summary>
internal static class EventAppender
{
    /// <summary>"Bevt" in ASCII: the lock every event append holds until its transaction ends.</summary>
    private const long LockKey = 0x42657674;

    public static async Task<IReadOnlyList<StoredEvent>> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> drafts, CancellationToken cancellationToken)
    {
        if (drafts.Count == 0)
        {
            return [];
        }
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({LockKey})"),
                new NpgsqlBatchCommand("""
                    INSERT INTO events (at, kind, run_id, workflow_id, task_id, attempt, state, payload)
                    SELECT e.at, e.kind, e.run_id, e.workflow_id, e.task_id, e.attempt, e.state, e.payload::json
                    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::integer[], $7::text[], $8::text[])
                         WITH ORDINALITY AS e (at, kind, run_id, workflow_id, task_id, attempt, state, payload, ord)
                    ORDER BY e.ord
                    RETURNING seq
                    """)
                    .With(drafts.Select(d => StoreTime.ToText(d.At)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
                    .With(drafts.Select(d => d.Kind.ToWord()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
                    .With(drafts.Select(d => d.RunId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint)
                    .With(drafts.Select(d => d.WorkflowId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint)
                    .With(drafts.Select(d => d.TaskId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint)
                    .With(drafts.Select(d => d.Attempt).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer)
                    .With(drafts.Select(EventWords.StateWord).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
                    .With(drafts.Select(d => d.Payload).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            },
        };
        var sequences = new List<long>(drafts.Count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sequences.Add(reader.GetInt64(0));
            }
        }
        // Rows are inserted in ORDINALITY order and the lock keeps other appenders out: the numbers ascend with it.
        sequences.Sort();
        return [.. drafts.Select((d, i) => d with { Sequence = sequences[i] })];
    }
}
