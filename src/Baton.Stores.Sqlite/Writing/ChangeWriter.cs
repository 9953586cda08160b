using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Baton.Stores.Sqlite.Connections;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>
/// Applies a batch of <see cref="StoreChange"/>s in order in one transaction (the engine's group commit), with
/// statements prepared once, each with its event. A state change is a compare-and-set: one that finds the task in
/// another state than its <c>From</c> writes nothing and is reported, and the batch goes on. A change that cannot
/// apply at all (an unknown task or attempt) fails the whole batch: that is a bug in the caller.
/// </summary>
internal sealed class ChangeWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly EventWriter _events;
    private readonly SqliteCommand[] _commands;

    private readonly SqliteCommand _updateTask;
    private readonly SqliteParameter _taskId;
    private readonly SqliteParameter _taskState;
    private readonly SqliteParameter _taskReason;
    private readonly SqliteParameter _taskMessage;
    private readonly SqliteParameter _taskAt;
    private readonly SqliteParameter _taskAttemptCount;
    private readonly SqliteParameter _taskFrom;

    private readonly SqliteCommand _stateOf;
    private readonly SqliteParameter _stateOfId;

    private readonly SqliteCommand _insertHistory;
    private readonly SqliteParameter _historyTaskId;
    private readonly SqliteParameter _historyRunId;
    private readonly SqliteParameter _historyState;
    private readonly SqliteParameter _historyReason;
    private readonly SqliteParameter _historyMessage;
    private readonly SqliteParameter _historyAt;

    private readonly SqliteCommand _insertAttempt;
    private readonly SqliteParameter _startTaskId;
    private readonly SqliteParameter _startNumber;
    private readonly SqliteParameter _startRunId;
    private readonly SqliteParameter _startExecutor;
    private readonly SqliteParameter _startExecutorId;
    private readonly SqliteParameter _startHost;
    private readonly SqliteParameter _startPid;
    private readonly SqliteParameter _startDirectory;
    private readonly SqliteParameter _startAt;
    private readonly SqliteParameter _startCpus;
    private readonly SqliteParameter _startMemory;
    private readonly SqliteParameter _startRuntime;

    private readonly SqliteCommand _endAttempt;
    private readonly SqliteParameter _endTaskId;
    private readonly SqliteParameter _endNumber;
    private readonly SqliteParameter _endOutcome;
    private readonly SqliteParameter _endExitCode;
    private readonly SqliteParameter _endMessage;
    private readonly SqliteParameter _endAt;
    private readonly SqliteParameter _endWall;
    private readonly SqliteParameter _endUser;
    private readonly SqliteParameter _endSystem;
    private readonly SqliteParameter _endPeak;

    public ChangeWriter(SqliteConnection connection, EventWriter events)
    {
        _connection = connection;
        _events = events;

        _updateTask = CommandParameters.Prepared(connection, """
            UPDATE tasks
            SET state = @state, reason = @reason, message = @message, updated_at = @at,
                attempt_count = coalesce(@attempt_count, attempt_count)
            WHERE id = @id AND state = @from
            """);
        _taskId = _updateTask.Add("@id", SqliteType.Integer);
        _taskState = _updateTask.Add("@state", SqliteType.Text);
        _taskReason = _updateTask.Add("@reason", SqliteType.Text);
        _taskMessage = _updateTask.Add("@message", SqliteType.Text);
        _taskAt = _updateTask.Add("@at", SqliteType.Text);
        _taskAttemptCount = _updateTask.Add("@attempt_count", SqliteType.Integer);
        _taskFrom = _updateTask.Add("@from", SqliteType.Text);

        _stateOf = CommandParameters.Prepared(connection, "SELECT state FROM tasks WHERE id = @id");
        _stateOfId = _stateOf.Add("@id", SqliteType.Integer);

        _insertHistory = CommandParameters.Prepared(connection, """
            INSERT INTO state_history (task_id, run_id, state, reason, message, at)
            VALUES (@task_id, @run_id, @state, @reason, @message, @at)
            """);
        _historyTaskId = _insertHistory.Add("@task_id", SqliteType.Integer);
        _historyRunId = _insertHistory.Add("@run_id", SqliteType.Integer);
        _historyState = _insertHistory.Add("@state", SqliteType.Text);
        _historyReason = _insertHistory.Add("@reason", SqliteType.Text);
        _historyMessage = _insertHistory.Add("@message", SqliteType.Text);
        _historyAt = _insertHistory.Add("@at", SqliteType.Text);

        _insertAttempt = CommandParameters.Prepared(connection, """
            INSERT INTO attempts (task_id, number, run_id, executor, executor_id, host, pid, directory, started_at,
                                  request_cpus, request_memory_bytes, request_runtime_seconds)
            VALUES (@task_id, @number, @run_id, @executor, @executor_id, @host, @pid, @directory, @at, @cpus, @memory, @runtime)
            """);
        _startTaskId = _insertAttempt.Add("@task_id", SqliteType.Integer);
        _startNumber = _insertAttempt.Add("@number", SqliteType.Integer);
        _startRunId = _insertAttempt.Add("@run_id", SqliteType.Integer);
        _startExecutor = _insertAttempt.Add("@executor", SqliteType.Text);
        _startExecutorId = _insertAttempt.Add("@executor_id", SqliteType.Text);
        _startHost = _insertAttempt.Add("@host", SqliteType.Text);
        _startPid = _insertAttempt.Add("@pid", SqliteType.Integer);
        _startDirectory = _insertAttempt.Add("@directory", SqliteType.Text);
        _startAt = _insertAttempt.Add("@at", SqliteType.Text);
        _startCpus = _insertAttempt.Add("@cpus", SqliteType.Integer);
        _startMemory = _insertAttempt.Add("@memory", SqliteType.Integer);
        _startRuntime = _insertAttempt.Add("@runtime", SqliteType.Real);

        _endAttempt = CommandParameters.Prepared(connection, """
            UPDATE attempts
            SET ended_at = @at, outcome = @outcome, exit_code = @exit_code, message = @message,
                wall_seconds = @wall, user_seconds = @user, system_seconds = @system, peak_rss_bytes = @peak
            WHERE task_id = @task_id AND number = @number
            RETURNING run_id
            """);
        _endTaskId = _endAttempt.Add("@task_id", SqliteType.Integer);
        _endNumber = _endAttempt.Add("@number", SqliteType.Integer);
        _endOutcome = _endAttempt.Add("@outcome", SqliteType.Text);
        _endExitCode = _endAttempt.Add("@exit_code", SqliteType.Integer);
        _endMessage = _endAttempt.Add("@message", SqliteType.Text);
        _endAt = _endAttempt.Add("@at", SqliteType.Text);
        _endWall = _endAttempt.Add("@wall", SqliteType.Real);
        _endUser = _endAttempt.Add("@user", SqliteType.Real);
        _endSystem = _endAttempt.Add("@system", SqliteType.Real);
        _endPeak = _endAttempt.Add("@peak", SqliteType.Integer);

        _commands = [_updateTask, _stateOf, _insertHistory, _insertAttempt, _endAttempt];
    }

    public ApplyResult Apply(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return ApplyResult.Empty;
        }
        cancellationToken.ThrowIfCancellationRequested();
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }
        _events.Enlist(transaction);
        var events = new List<StoredEvent>(changes.Count);
        var missed = new List<MissedChange>();
        for (var i = 0; i < changes.Count; i++)
        {
            try
            {
                Apply(changes[i], events, missed);
            }
            catch (SqliteException exception) when (StoreErrors.IsConstraint(exception))
            {
                // A duplicate attempt number, or a run or task id that does not exist: a bug in the caller.
                throw new InvalidOperationException($"cannot apply {Describe(changes[i])}: {exception.Message}", exception);
            }
        }
        transaction.Commit();
        return new ApplyResult(events, missed);
    }

    private void Apply(StoreChange change, List<StoredEvent> events, List<MissedChange> missed)
    {
        switch (change)
        {
            case TaskStateChanged changed:
                var at = StoreTime.ToText(changed.At);
                var state = changed.To.ToWord();
                var reason = changed.Reason.ToWord();
                var message = changed.Message.OrNull();
                _taskId.Value = changed.TaskId;
                _taskState.Value = state;
                _taskReason.Value = reason;
                _taskMessage.Value = message;
                _taskAt.Value = at;
                _taskAttemptCount.Value = changed.AttemptCount.OrNull();
                _taskFrom.Value = changed.From.ToWord();
                if (_updateTask.ExecuteNonQuery() != 1)
                {
                    // The compare-and-set lost (or the task does not exist: a bug). Nothing else of the change is written.
                    _stateOfId.Value = changed.TaskId;
                    var actual = _stateOf.ExecuteScalar() as string
                        ?? throw new InvalidOperationException($"cannot apply {Describe(change)}: no task has id {changed.TaskId}");
                    missed.Add(new MissedChange(changed, StoreWords.State(actual)));
                    break;
                }
                _historyTaskId.Value = changed.TaskId;
                // Run ids start at 1; 0 means the change was made outside a run.
                _historyRunId.Value = changed.RunId > 0 ? changed.RunId : DBNull.Value;
                _historyState.Value = state;
                _historyReason.Value = reason;
                _historyMessage.Value = message;
                _historyAt.Value = at;
                _insertHistory.ExecuteNonQuery();
                events.Add(_events.Append(new StoredEvent(0, EventKind.TaskState, changed.At)
                {
                    RunId = changed.RunId > 0 ? changed.RunId : null,
                    WorkflowId = changed.RunId > 0 ? _events.WorkflowOf(changed.RunId) : changed.WorkflowId,
                    TaskId = changed.TaskId,
                    State = changed.To,
                    Payload = EventPayload.For(changed),
                }));
                break;

            case AttemptStarted started:
                _startTaskId.Value = started.TaskId;
                _startNumber.Value = started.Number;
                _startRunId.Value = started.RunId;
                _startExecutor.Value = started.Executor;
                _startExecutorId.Value = started.ExecutorId;
                _startHost.Value = started.Host;
                _startPid.Value = started.ProcessId.OrNull();
                _startDirectory.Value = started.Directory;
                _startAt.Value = StoreTime.ToText(started.At);
                _startCpus.Value = (started.Resources?.Cpus).OrNull();
                _startMemory.Value = (started.Resources?.MemoryBytes).OrNull();
                _startRuntime.Value = (started.Resources?.Runtime?.TotalSeconds).OrNull();
                _insertAttempt.ExecuteNonQuery();
                events.Add(_events.Append(new StoredEvent(0, EventKind.AttemptStarted, started.At)
                {
                    RunId = started.RunId,
                    WorkflowId = _events.WorkflowOf(started.RunId),
                    TaskId = started.TaskId,
                    Attempt = started.Number,
                    Payload = EventPayload.For(started),
                }));
                break;

            case AttemptEnded ended:
                _endTaskId.Value = ended.TaskId;
                _endNumber.Value = ended.Number;
                _endOutcome.Value = ended.Outcome.ToWord();
                _endExitCode.Value = ended.ExitCode.OrNull();
                _endMessage.Value = ended.Message.OrNull();
                _endAt.Value = StoreTime.ToText(ended.At);
                _endWall.Value = (ended.Usage?.Wall.TotalSeconds).OrNull();
                _endUser.Value = (ended.Usage?.UserCpu.TotalSeconds).OrNull();
                _endSystem.Value = (ended.Usage?.SystemCpu.TotalSeconds).OrNull();
                _endPeak.Value = (ended.Usage?.PeakRssBytes).OrNull();
                // The event names the run that started the attempt (a later run may record its end).
                if (_endAttempt.ExecuteScalar() is not long attemptRun)
                {
                    throw new InvalidOperationException($"cannot apply {Describe(change)}: task {ended.TaskId} has no attempt {ended.Number}");
                }
                events.Add(_events.Append(new StoredEvent(0, EventKind.AttemptEnded, ended.At)
                {
                    RunId = attemptRun,
                    WorkflowId = _events.WorkflowOf(attemptRun),
                    TaskId = ended.TaskId,
                    Attempt = ended.Number,
                    Outcome = ended.Outcome,
                    Payload = EventPayload.For(ended),
                }));
                break;

            default:
                throw new ArgumentException($"unknown store change {change.GetType().Name}", nameof(change));
        }
    }

    private static string Describe(StoreChange change) => change switch
    {
        TaskStateChanged c => $"task {c.TaskId} {c.From.ToWord()} -> {c.To.ToWord()}",
        AttemptStarted s => $"start of attempt {s.Number} of task {s.TaskId} (run {s.RunId})",
        AttemptEnded e => $"end of attempt {e.Number} of task {e.TaskId}",
        _ => change.GetType().Name,
    };

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command.Dispose();
        }
    }
}
