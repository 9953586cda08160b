using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Baton.Stores.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>Opens and closes runs, each in a transaction with its event.</summary>
internal static class RunWriter
{
    public static async Task<long> StartAsync(NpgsqlConnection connection, long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO runs (workflow_id, status, started_at, host, pid, submitted_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """, connection, transaction)
            .With(workflowId, NpgsqlDbType.Bigint)
            .With(RunStatus.Running.ToWord(), NpgsqlDbType.Text)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text)
            .With(host, NpgsqlDbType.Text)
            .With(processId, NpgsqlDbType.Integer)
            .With(submittedBy, NpgsqlDbType.Text);
        long id;
        try
        {
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException exception) when (exception.SqlState == StoreErrors.ForeignKeyViolation)
        {
            throw new InvalidOperationException($"cannot start a run: no workflow has id {workflowId}", exception);
        }
        await EventAppender.AppendAsync(connection, transaction,
        [
            new StoredEvent(0, EventKind.RunStarted, now)
            {
                RunId = id,
                WorkflowId = workflowId,
                Payload = EventPayload.RunStarted(host, processId),
            },
        ], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    public static async Task FinishAsync(NpgsqlConnection connection, long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand("UPDATE runs SET status = $1, ended_at = $2 WHERE id = $3 RETURNING workflow_id", connection, transaction)
            .With(status.ToWord(), NpgsqlDbType.Text)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text)
            .With(runId, NpgsqlDbType.Bigint);
        if (await update.ExecuteScalarAsync(cancellationToken) is not long workflowId)
        {
            throw new InvalidOperationException($"cannot finish run {runId}: no run has that id");
        }
        await EventAppender.AppendAsync(connection, transaction,
        [
            new StoredEvent(0, EventKind.RunEnded, now)
            {
                RunId = runId,
                WorkflowId = workflowId,
                RunStatus = status,
                Payload = EventPayload.RunEnded(),
            },
        ], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
