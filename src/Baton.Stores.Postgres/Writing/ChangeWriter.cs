using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Baton.Stores.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Applies a batch of <see cref="StoreChange"/>s in order in one transaction (the engine's group commit), sent to
/// the server as one batch of statements (one round trip; Npgsql prepares the few shapes automatically). The
/// tasks the batch touches are locked first, in id order, so that writers on several nodes always lock in one
/// order (run, then task, then attempt) and never deadlock. A change that cannot apply (an unknown task or
/// attempt) fails the whole batch: the engine's view and the store's must not drift apart silently.
/// </summary>
internal static class ChangeWriter
{
    private const string UpdateTask = """
        WITH changed AS (
            UPDATE tasks
            SET state = $2, reason = $3, message = $4, updated_at = $5, attempt_count = coalesce($6, attempt_count)
            WHERE id = $1
            RETURNING id)
        INSERT INTO state_history (task_id, run_id, state, reason, message, at)
        SELECT id, $7, $2, $3, $4, $5 FROM changed
        """;

    private const string InsertAttempt = """
        INSERT INTO attempts (task_id, number, run_id, executor, executor_id, host, pid, directory, started_at,
                              request_cpus, request_memory_bytes, request_runtime_seconds)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        """;

    private const string EndAttempt = """
        UPDATE attempts
        SET ended_at = $3, outcome = $4, exit_code = $5, message = $6,
            wall_seconds = $7, user_seconds = $8, system_seconds = $9, peak_rss_bytes = $10
        WHERE task_id = $1 AND number = $2
        """;

    public static async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var taskIds = changes.Select(c => c.TaskId).Distinct().Order().ToArray();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT id FROM tasks WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .With(taskIds, NpgsqlDbType.Array | NpgsqlDbType.Bigint));
        foreach (var change in changes)
        {
            batch.BatchCommands.Add(Command(change));
        }
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException exception) when (StoreErrors.IsConstraint(exception))
        {
            // A duplicate attempt number, or a run or task id that does not exist: a bug in the caller.
            var index = exception.BatchCommand is { } failed ? batch.BatchCommands.IndexOf(failed) - 1 : -1;
            var what = index >= 0 ? Describe(changes[index]) : "a batch of changes";
            throw new InvalidOperationException($"cannot apply {what}: {exception.MessageText}", exception);
        }
        for (var i = 0; i < changes.Count; i++)
        {
            if (batch.BatchCommands[i + 1].RecordsAffected == 1 || changes[i] is AttemptStarted)
            {
                continue;
            }
            // Nothing is committed: disposing the transaction rolls the whole batch back.
            throw new InvalidOperationException(changes[i] switch
            {
                AttemptEnded e => $"cannot apply {Describe(e)}: task {e.TaskId} has no attempt {e.Number}",
                _ => $"cannot apply {Describe(changes[i])}: no task has id {changes[i].TaskId}",
            });
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(StoreChange change) => change switch
    {
        TaskStateChanged changed => new NpgsqlBatchCommand(UpdateTask)
            .With(changed.TaskId, NpgsqlDbType.Bigint)
            .With(changed.To.ToWord(), NpgsqlDbType.Text)
            .With(changed.Reason.ToWord(), NpgsqlDbType.Text)
            .With(changed.Message, NpgsqlDbType.Text)
            .With(StoreTime.ToText(changed.At), NpgsqlDbType.Text)
            .With(changed.AttemptCount, NpgsqlDbType.Integer)
            // Run ids start at 1; 0 means the change was made outside a run.
            .With(changed.RunId > 0 ? changed.RunId : null, NpgsqlDbType.Bigint),
        AttemptStarted started => new NpgsqlBatchCommand(InsertAttempt)
            .With(started.TaskId, NpgsqlDbType.Bigint)
            .With(started.Number, NpgsqlDbType.Integer)
            .With(started.RunId, NpgsqlDbType.Bigint)
            .With(started.Executor, NpgsqlDbType.Text)
            .With(started.ExecutorId, NpgsqlDbType.Text)
            .With(started.Host, NpgsqlDbType.Text)
            .With(started.ProcessId, NpgsqlDbType.Integer)
            .With(started.Directory, NpgsqlDbType.Text)
            .With(StoreTime.ToText(started.At), NpgsqlDbType.Text)
            .With(started.Resources?.Cpus, NpgsqlDbType.Integer)
            .With(started.Resources?.MemoryBytes, NpgsqlDbType.Bigint)
            .With(started.Resources?.Runtime?.TotalSeconds, NpgsqlDbType.Double),
        AttemptEnded ended => new NpgsqlBatchCommand(EndAttempt)
            .With(ended.TaskId, NpgsqlDbType.Bigint)
            .With(ended.Number, NpgsqlDbType.Integer)
            .With(StoreTime.ToText(ended.At), NpgsqlDbType.Text)
            .With(ended.Outcome.ToWord(), NpgsqlDbType.Text)
            .With(ended.ExitCode, NpgsqlDbType.Integer)
            .With(ended.Message, NpgsqlDbType.Text)
            .With(ended.Usage?.Wall.TotalSeconds, NpgsqlDbType.Double)
            .With(ended.Usage?.UserCpu.TotalSeconds, NpgsqlDbType.Double)
            .With(ended.Usage?.SystemCpu.TotalSeconds, NpgsqlDbType.Double)
            .With(ended.Usage?.PeakRssBytes, NpgsqlDbType.Bigint),
        _ => throw new ArgumentException($"unknown store change {change.GetType().Name}", nameof(change)),
    };

    private static string Describe(StoreChange change) => change switch
    {
        TaskStateChanged c => $"task {c.TaskId} {c.From.ToWord()} -> {c.To.ToWord()}",
        AttemptStarted s => $"start of attempt {s.Number} of task {s.TaskId} (run {s.RunId})",
        AttemptEnded e => $"end of attempt {e.Number} of task {e.TaskId}",
        _ => change.GetType().Name,
    };
}
