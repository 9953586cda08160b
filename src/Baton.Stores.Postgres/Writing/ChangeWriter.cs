using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Baton.Stores.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Applies a batch of <see cref="StoreChange"/>s in order in one transaction (the engine's group commit), sent to
/// the server as one batch of statements (one round trip; Npgsql prepares the few shapes automatically), then its
/// events in a second. The tasks the batch touches are locked first, in id order, so that writers on several
/// nodes always lock in one order (run, then task, then attempt) and never deadlock. A state change is a
/// compare-and-set: one that finds the task in another state than its <c>From</c> writes nothing and is reported,
/// and the batch goes on. A change that cannot apply at all (an unknown task or attempt) fails the whole batch.
/// </summary>
internal static class ChangeWriter
{
    // One row: the state the task had (null: no such task), whether the compare-and-set applied, the run's workflow.
    private const string UpdateTask = """
        WITH before AS (SELECT state FROM tasks WHERE id = $1),
        changed AS (
            UPDATE tasks
            SET state = $2, reason = $3, message = $4, updated_at = $5, attempt_count = coalesce($6, attempt_count)
            WHERE id = $1 AND state = $8
            RETURNING id),
        history AS (
            INSERT INTO state_history (task_id, run_id, state, reason, message, at)
            SELECT id, $7, $2, $3, $4, $5 FROM changed)
        SELECT (SELECT state FROM before), EXISTS (SELECT 1 FROM changed), (SELECT workflow_id FROM runs WHERE id = $7)
        """;

    private const string InsertAttempt = """
        INSERT INTO attempts (task_id, number, run_id, executor, executor_id, host, pid, directory, started_at,
                              request_cpus, request_memory_bytes, request_runtime_seconds, argv)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::json)
        RETURNING (SELECT workflow_id FROM runs WHERE id = $3)
        """;

    private const string EndAttempt = """
        UPDATE attempts
        SET ended_at = $3, outcome = $4, exit_code = $5, message = $6,
            wall_seconds = $7, user_seconds = $8, system_seconds = $9, peak_rss_bytes = $10
        WHERE task_id = $1 AND number = $2
        RETURNING run_id, (SELECT workflow_id FROM runs WHERE id = attempts.run_id)
        """;

    public static async Task<ApplyResult> ApplyAsync(NpgsqlConnection connection, IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
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
        var drafts = new List<StoredEvent>(changes.Count);
        var missed = new List<MissedChange>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            // Result 0 is the lock; result i + 1 is change i's one row (none: an attempt end that found no attempt).
            for (var i = 0; i < changes.Count; i++)
            {
                await reader.NextResultAsync(cancellationToken);
                var found = await reader.ReadAsync(cancellationToken);
                var draft = changes[i] switch
                {
                    TaskStateChanged changed => StateChanged(changed, reader, missed),
                    AttemptStarted started => new StoredEvent(0, EventKind.AttemptStarted, started.At)
                    {
                        RunId = started.RunId,
                        WorkflowId = reader.IsDBNull(0) ? null : reader.GetInt64(0),
                        TaskId = started.TaskId,
                        Attempt = started.Number,
                        Payload = EventPayload.For(started),
                    },
                    AttemptEnded ended when found => new StoredEvent(0, EventKind.AttemptEnded, ended.At)
                    {
                        // The event names the run that started the attempt (a later run may record its end).
                        RunId = reader.GetInt64(0),
                        WorkflowId = reader.IsDBNull(1) ? null : reader.GetInt64(1),
                        TaskId = ended.TaskId,
                        Attempt = ended.Number,
                        Outcome = ended.Outcome,
                        Payload = EventPayload.For(ended),
                    },
                    AttemptEnded ended => throw new InvalidOperationException(
                        $"cannot apply {Describe(ended)}: task {ended.TaskId} has no attempt {ended.Number}"),
                    _ => null,
                };
                if (draft is not null)
                {
                    drafts.Add(draft);
                }
            }
        }
        catch (PostgresException exception) when (StoreErrors.IsConstraint(exception))
        {
            // A duplicate attempt number, or a run or task id that does not exist: a bug in the caller.
            var index = exception.BatchCommand is { } failed ? batch.BatchCommands.IndexOf(failed) - 1 : -1;
            var what = index >= 0 ? Describe(changes[index]) : "a batch of changes";
            throw new InvalidOperationException($"cannot apply {what}: {exception.MessageText}", exception);
        }
        // Nothing is committed on an error above: disposing the transaction rolls the whole batch back.
        var events = await EventAppender.AppendAsync(connection, transaction, drafts, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ApplyResult(events, missed);
    }

    private static StoredEvent? StateChanged(TaskStateChanged changed, NpgsqlDataReader reader, List<MissedChange> missed)
    {
        if (reader.IsDBNull(0))
        {
            throw new InvalidOperationException($"cannot apply {Describe(changed)}: no task has id {changed.TaskId}");
        }
        if (!reader.GetBoolean(1))
        {
            // The compare-and-set lost: a late report after a newer state. Nothing of it is written.
            missed.Add(new MissedChange(changed, StoreWords.State(reader.GetString(0))));
            return null;
        }
        return new StoredEvent(0, EventKind.TaskState, changed.At)
        {
            RunId = changed.RunId > 0 ? changed.RunId : null,
            WorkflowId = changed.RunId > 0 ? (reader.IsDBNull(2) ? null : reader.GetInt64(2)) : changed.WorkflowId,
            TaskId = changed.TaskId,
            State = changed.To,
            Payload = EventPayload.For(changed),
        };
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
            .With(changed.RunId > 0 ? changed.RunId : null, NpgsqlDbType.Bigint)
            .With(changed.From.ToWord(), NpgsqlDbType.Text),
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
            .With(started.Resources?.Runtime?.TotalSeconds, NpgsqlDbType.Double)
            .With(started.Argv is { } argv ? StoreJson.Array(argv) : null, NpgsqlDbType.Text),
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
