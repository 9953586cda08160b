using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Baton.Stores.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>Opens and closes runs: one statement each, its own transaction.</summary>
internal static class RunWriter
{
    public static async Task<long> StartAsync(NpgsqlConnection connection, long workflowId, string host, int processId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO runs (workflow_id, status, started_at, host, pid) VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, connection)
            .With(workflowId, NpgsqlDbType.Bigint)
            .With(StoreWords.ToWord(RunStatus.Running), NpgsqlDbType.Text)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text)
            .With(host, NpgsqlDbType.Text)
            .With(processId, NpgsqlDbType.Integer);
        try
        {
            return (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException exception) when (exception.SqlState == StoreErrors.ForeignKeyViolation)
        {
            throw new InvalidOperationException($"cannot start a run: no workflow has id {workflowId}", exception);
        }
    }

    public static async Task FinishAsync(NpgsqlConnection connection, long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("UPDATE runs SET status = $1, ended_at = $2 WHERE id = $3", connection)
            .With(StoreWords.ToWord(status), NpgsqlDbType.Text)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text)
            .With(runId, NpgsqlDbType.Bigint);
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException($"cannot finish run {runId}: no run has that id");
        }
    }
}
