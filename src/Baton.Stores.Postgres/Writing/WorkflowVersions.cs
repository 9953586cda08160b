using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Versions of a workflow (its name and workflow args): each DAG recorded under them is a row of <c>workflows</c>
/// with a version number, and the one registered last is current. Runs inside the registrar's transaction, after
/// <see cref="LockAsync"/>: registrations of one workflow on several nodes take turns, so the current version read
/// here is still current when it is retired, and two new DAGs never get one number.
/// </summary>
internal static class WorkflowVersions
{
    /// <summary>"Bwfv" in ASCII: the class of the per-workflow locks (the two-key space, apart from the one-key locks).</summary>
    private const int LockClass = 0x42776676;

    /// <summary>
    /// Takes the transaction-level lock of one name and args (a hash of them: a collision only makes two workflows
    /// take turns). Taken before any task row, and never while holding one, so it cannot join a deadlock.
    /// </summary>
    public static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string argsHash, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockClass}, hashtext($1 || E'\\n' || $2))", connection, transaction)
            .With(name, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The version that is current now for a name and args hash, if any.</summary>
    public static async Task<(long Id, int Version)?> CurrentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string argsHash, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, version FROM workflows WHERE name = $1 AND args_hash = $2 AND is_current", connection, transaction)
            .With(name, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt32(1)) : null;
    }

    /// <summary>The version number a new DAG under this name and args gets.</summary>
    public static async Task<int> NextAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string argsHash, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(max(version), 0) + 1 FROM workflows WHERE name = $1 AND args_hash = $2", connection, transaction)
            .With(name, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Makes <paramref name="id"/> the only current version of its name and args: first every other one stops
    /// being current (at most one may be: a unique index), then <paramref name="id"/> becomes it. Both updates are
    /// conditional, so that a version already in the wanted state is not written.
    /// </summary>
    public static async Task MakeCurrentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string name, string argsHash, CancellationToken cancellationToken)
    {
        await RetireOthersAsync(connection, transaction, id, name, argsHash, cancellationToken);
        await using var set = new NpgsqlCommand("UPDATE workflows SET is_current = true WHERE id = $1 AND NOT is_current", connection, transaction)
            .With(id, NpgsqlDbType.Bigint);
        await set.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every version of the name and args but <paramref name="keep"/> (0: none) stops being current.</summary>
    public static async Task RetireOthersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long keep, string name, string argsHash, CancellationToken cancellationToken)
    {
        await using var unset = new NpgsqlCommand(
            "UPDATE workflows SET is_current = false WHERE name = $1 AND args_hash = $2 AND is_current AND id <> $3", connection, transaction)
            .With(name, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text)
            .With(keep, NpgsqlDbType.Bigint);
        await unset.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How the tasks of version <paramref name="id"/> differ from those of the previous current version, by identity.</summary>
    public static async Task<WorkflowVersionChange> CompareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, int version, long previousId, int previousVersion,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH new AS (SELECT DISTINCT task_id FROM workflow_tasks WHERE workflow_id = $1),
                 old AS (SELECT DISTINCT task_id FROM workflow_tasks WHERE workflow_id = $2)
            SELECT
                (SELECT count(*) FROM new WHERE task_id NOT IN (SELECT task_id FROM old)),
                (SELECT count(*) FROM old WHERE task_id NOT IN (SELECT task_id FROM new)),
                (SELECT count(*) FROM new JOIN old USING (task_id) JOIN tasks t ON t.id = new.task_id WHERE t.state = $3)
            """, connection, transaction)
            .With(id, NpgsqlDbType.Bigint)
            .With(previousId, NpgsqlDbType.Bigint)
            .With(TaskState.Done.ToWord(), NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WorkflowVersionChange(version, previousVersion, (int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2));
    }
}
