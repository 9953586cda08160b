using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>
/// Records a workflow graph in one transaction. Two paths:
/// <list type="bullet">
/// <item>A workflow seen before (same name, args and DAG hash; the re-run case): one read of its rows, compared in
/// memory, and writes only for what changed (names, tags, attributes, parameters, resources). Edges cannot have
/// changed: the DAG hash covers them.</item>
/// <item>A new workflow: every task is upserted by identity (existing tasks keep their state; the upsert returns
/// the id of a task it creates, and only tasks that existed are looked up), new tasks get their first history row
/// in one statement, then the workflow's task rows and edges are inserted.</item>
/// </list>
/// All statements are prepared once and reused: registration is a tight loop over 100,000 tasks.
/// </summary>
internal sealed partial class WorkflowRegistrar : IDisposable
{
    private const int CancellationCheckInterval = 4096;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand[] _commands;

    private readonly SqliteCommand _upsertTask;
    private readonly SqliteParameter _identity;
    private readonly SqliteParameter _template;
    private readonly SqliteParameter _maxAttempts;
    private readonly SqliteParameter _priority;
    private readonly SqliteParameter _cpus;
    private readonly SqliteParameter _memoryBytes;
    private readonly SqliteParameter _runtimeSeconds;
    private readonly SqliteParameter _directory;
    private readonly SqliteParameter _params;
    private readonly SqliteParameter _taskAt;

    private readonly SqliteCommand _findTask;
    private readonly SqliteParameter _findIdentity;

    private readonly SqliteCommand _insertWorkflowTask;
    private readonly SqliteParameter _wtWorkflowId;
    private readonly SqliteParameter _wtOrdinal;
    private readonly SqliteParameter _wtTaskId;
    private readonly SqliteParameter _wtName;
    private readonly SqliteParameter _wtTags;
    private readonly SqliteParameter _wtAttributes;

    private readonly SqliteCommand _deleteWorkflowTask;
    private readonly SqliteParameter _deleteWorkflowId;
    private readonly SqliteParameter _deleteOrdinal;

    private readonly SqliteCommand _insertEdge;
    private readonly SqliteParameter _edgeWorkflowId;
    private readonly SqliteParameter _edgeDownstream;
    private readonly SqliteParameter _edgeUpstream;

    public WorkflowRegistrar(SqliteConnection connection)
    {
        _connection = connection;

        // A task that exists keeps its state, reason and attempt count; what describes it is refreshed, and the
        // row is written only when something did change (a re-run rewrites nothing).
        _upsertTask = CommandParameters.Prepared(connection, """
            INSERT INTO tasks (identity, template, state, reason, attempt_count, max_attempts, priority,
                               cpus, memory_bytes, runtime_seconds, directory, params, updated_at)
            VALUES (@identity, @template, @waiting, '', 0, @max_attempts, @priority,
                    @cpus, @memory_bytes, @runtime_seconds, @directory, @params, @at)
            ON CONFLICT (identity) DO UPDATE SET
                template = excluded.template, max_attempts = excluded.max_attempts, priority = excluded.priority,
                cpus = excluded.cpus, memory_bytes = excluded.memory_bytes, runtime_seconds = excluded.runtime_seconds,
                directory = excluded.directory, params = excluded.params
            WHERE template IS NOT excluded.template OR max_attempts IS NOT excluded.max_attempts
               OR priority IS NOT excluded.priority OR cpus IS NOT excluded.cpus
               OR memory_bytes IS NOT excluded.memory_bytes OR runtime_seconds IS NOT excluded.runtime_seconds
               OR directory IS NOT excluded.directory OR params IS NOT excluded.params
            RETURNING id
            """);
        _identity = _upsertTask.Add("@identity", SqliteType.Text);
        _template = _upsertTask.Add("@template", SqliteType.Text);
        _upsertTask.Add("@waiting", SqliteType.Text).Value = TaskState.Waiting.ToWord();
        _maxAttempts = _upsertTask.Add("@max_attempts", SqliteType.Integer);
        _priority = _upsertTask.Add("@priority", SqliteType.Integer);
        _cpus = _upsertTask.Add("@cpus", SqliteType.Integer);
        _memoryBytes = _upsertTask.Add("@memory_bytes", SqliteType.Integer);
        _runtimeSeconds = _upsertTask.Add("@runtime_seconds", SqliteType.Integer);
        _directory = _upsertTask.Add("@directory", SqliteType.Text);
        _params = _upsertTask.Add("@params", SqliteType.Text);
        _taskAt = _upsertTask.Add("@at", SqliteType.Text);

        _findTask = CommandParameters.Prepared(connection, """
            SELECT id, state, reason, attempt_count, coalesce((SELECT max(a.number) FROM attempts a WHERE a.task_id = tasks.id), 0)
            FROM tasks WHERE identity = @identity
            """);
        _findIdentity = _findTask.Add("@identity", SqliteType.Text);

        _insertWorkflowTask = CommandParameters.Prepared(connection, """
            INSERT INTO workflow_tasks (workflow_id, ordinal, task_id, name, tags, attributes)
            VALUES (@workflow_id, @ordinal, @task_id, @name, @tags, @attributes)
            """);
        _wtWorkflowId = _insertWorkflowTask.Add("@workflow_id", SqliteType.Integer);
        _wtOrdinal = _insertWorkflowTask.Add("@ordinal", SqliteType.Integer);
        _wtTaskId = _insertWorkflowTask.Add("@task_id", SqliteType.Integer);
        _wtName = _insertWorkflowTask.Add("@name", SqliteType.Text);
        _wtTags = _insertWorkflowTask.Add("@tags", SqliteType.Text);
        _wtAttributes = _insertWorkflowTask.Add("@attributes", SqliteType.Text);

        _deleteWorkflowTask = CommandParameters.Prepared(connection,
            "DELETE FROM workflow_tasks WHERE workflow_id = @workflow_id AND ordinal = @ordinal");
        _deleteWorkflowId = _deleteWorkflowTask.Add("@workflow_id", SqliteType.Integer);
        _deleteOrdinal = _deleteWorkflowTask.Add("@ordinal", SqliteType.Integer);

        // OR IGNORE: two graph tasks with one identity (the same task under two names) give the same edge twice.
        _insertEdge = CommandParameters.Prepared(connection, """
            INSERT OR IGNORE INTO edges (workflow_id, downstream_task_id, upstream_task_id)
            VALUES (@workflow_id, @downstream, @upstream)
            """);
        _edgeWorkflowId = _insertEdge.Add("@workflow_id", SqliteType.Integer);
        _edgeDownstream = _insertEdge.Add("@downstream", SqliteType.Integer);
        _edgeUpstream = _insertEdge.Add("@upstream", SqliteType.Integer);

        _commands = [_upsertTask, _findTask, _insertWorkflowTask, _deleteWorkflowTask, _insertEdge];
    }

    public WorkflowRegistration Register(
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var count = graph.Tasks.Count;
        if (taskDirectories.Count != count)
        {
            throw new ArgumentException($"{taskDirectories.Count} task directories for {count} tasks", nameof(taskDirectories));
        }
        if (paramsJson.Count != count)
        {
            throw new ArgumentException($"{paramsJson.Count} params.json texts for {count} tasks", nameof(paramsJson));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var at = StoreTime.ToText(now);
        _taskAt.Value = at;

        using var transaction = _connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }
        var (workflowId, created, version, previous) = FindOrInsertWorkflow(transaction, graph, at);
        var tasks = created ? null : RefreshExisting(transaction, workflowId, graph, taskDirectories, paramsJson, cancellationToken);
        if (tasks is null)
        {
            if (!created)
            {
                // The stored rows do not line up with the graph (they always should, as the DAG hash matched):
                // rebuild this workflow's task rows from the graph.
                Execute(transaction, "DELETE FROM workflow_tasks WHERE workflow_id = @id", workflowId);
            }
            tasks = InsertAll(transaction, workflowId, graph, taskDirectories, paramsJson, at, cancellationToken);
        }
        var change = previous is { } p
            ? WorkflowVersions.Compare(_connection, transaction, workflowId, version, p.Id, p.Version)
            : null;
        transaction.Commit();
        return new WorkflowRegistration(workflowId, created, tasks.Ids, tasks.States, tasks.Reasons, tasks.AttemptCounts, tasks.LastAttempts)
        {
            Version = version,
            Change = change,
        };
    }

    /// <summary>
    /// Finds the workflow's version with this DAG, or records a new version; either way it becomes the current one.
    /// <c>Previous</c> is the version that was current before, when that was another one.
    /// </summary>
    private (long Id, bool Created, int Version, (long Id, int Version)? Previous) FindOrInsertWorkflow(
        SqliteTransaction transaction, WorkflowGraph graph, string at)
    {
        var argsJson = StoreJson.Object(graph.WorkflowArgs);
        var argsHash = StoreJson.Sha256(argsJson);
        var current = WorkflowVersions.Current(_connection, transaction, graph.Name, argsHash);
        using (var find = _connection.CreateCommand())
        {
            find.Transaction = transaction;
            find.CommandText = "SELECT id, source_file, version FROM workflows WHERE name = @name AND args_hash = @args_hash AND dag_hash = @dag_hash";
            find.Parameters.AddWithValue("@name", graph.Name);
            find.Parameters.AddWithValue("@args_hash", argsHash);
            find.Parameters.AddWithValue("@dag_hash", graph.DagHash);
            using var reader = find.ExecuteReader();
            if (reader.Read())
            {
                var id = reader.GetInt64(0);
                var sourceFile = reader.GetString(1);
                var version = reader.GetInt32(2);
                reader.Close();
                if (sourceFile != graph.SourceFile)
                {
                    // The same workflow run from a moved or copied file.
                    using var update = _connection.CreateCommand();
                    update.Transaction = transaction;
                    update.CommandText = "UPDATE workflows SET source_file = @source_file WHERE id = @id";
                    update.Parameters.AddWithValue("@source_file", graph.SourceFile);
                    update.Parameters.AddWithValue("@id", id);
                    update.ExecuteNonQuery();
                }
                using (var attributes = _connection.CreateCommand())
                {
                    // Attributes are not part of identity: the latest file's are kept.
                    attributes.Transaction = transaction;
                    attributes.CommandText = "UPDATE workflows SET attributes = @attributes WHERE id = @id";
                    attributes.Parameters.AddWithValue("@attributes", StoreJson.Object(graph.Attributes));
                    attributes.Parameters.AddWithValue("@id", id);
                    attributes.ExecuteNonQuery();
                }
                if (current?.Id == id)
                {
                    return (id, false, version, null);
                }
                // An earlier version run again (a file edited back): it is current again.
                WorkflowVersions.MakeCurrent(_connection, transaction, id, current?.Id);
                return (id, false, version, current);
            }
        }
        var next = WorkflowVersions.Next(_connection, transaction, graph.Name, argsHash);
        if (current is { } old)
        {
            WorkflowVersions.Retire(_connection, transaction, old.Id);
        }
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO workflows (name, workflow_args, args_hash, dag_hash, source_file, created_at, attributes, version, is_current)
            VALUES (@name, @workflow_args, @args_hash, @dag_hash, @source_file, @created_at, @attributes, @version, 1)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("@name", graph.Name);
        insert.Parameters.AddWithValue("@workflow_args", argsJson);
        insert.Parameters.AddWithValue("@args_hash", argsHash);
        insert.Parameters.AddWithValue("@dag_hash", graph.DagHash);
        insert.Parameters.AddWithValue("@source_file", graph.SourceFile);
        insert.Parameters.AddWithValue("@created_at", at);
        insert.Parameters.AddWithValue("@attributes", StoreJson.Object(graph.Attributes));
        insert.Parameters.AddWithValue("@version", next);
        return ((long)insert.ExecuteScalar()!, true, next, current);
    }

    /// <summary>
    /// The new-workflow path, and the path of tasks added to a workflow as it runs: the graph's tasks from
    /// <paramref name="first"/> on (their directories and parameters indexed from 0) join the workflow; the result
    /// is indexed from 0 as well.
    /// </summary>
    private RegisteredTasks InsertAll(
        SqliteTransaction transaction,
        long workflowId,
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        string at,
        CancellationToken cancellationToken,
        int first = 0)
    {
        var count = graph.Tasks.Count - first;
        // Rowids of new tasks are above the largest one before: that tells a created task from one that existed,
        // and is how their history rows are found below.
        var lastIdBefore = (long)Scalar(transaction, "SELECT coalesce(max(id), 0) FROM tasks")!;
        var result = new RegisteredTasks(count);
        List<int>? existed = null;
        for (var i = 0; i < count; i++)
        {
            if (i % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var id = UpsertTask(graph.Tasks[first + i], taskDirectories[i], paramsJson[i]);
            if (id > lastIdBefore)
            {
                result.Set(i, id, TaskState.Waiting, FailureReason.None, 0, 0);
            }
            else
            {
                (existed ??= []).Add(i);
            }
        }
        foreach (var i in existed ?? [])
        {
            _findIdentity.Value = graph.Tasks[first + i].Identity.Hex;
            using var reader = _findTask.ExecuteReader();
            reader.Read();
            result.Set(i, reader.GetInt64(0), StoreWords.State(reader.GetString(1)), StoreWords.Reason(reader.GetString(2)),
                reader.GetInt32(3), reader.GetInt32(4));
        }

        using (var history = _connection.CreateCommand())
        {
            history.Transaction = transaction;
            history.CommandText = """
                INSERT INTO state_history (task_id, run_id, state, reason, message, at)
                SELECT id, NULL, @waiting, '', NULL, @at FROM tasks WHERE id > @after ORDER BY id
                """;
            history.Parameters.AddWithValue("@waiting", TaskState.Waiting.ToWord());
            history.Parameters.AddWithValue("@at", at);
            history.Parameters.AddWithValue("@after", lastIdBefore);
            history.ExecuteNonQuery();
        }

        _wtWorkflowId.Value = workflowId;
        for (var i = 0; i < count; i++)
        {
            if (i % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            InsertWorkflowTask(graph.Tasks[first + i], first + i, result.Ids[i]);
        }

        _edgeWorkflowId.Value = workflowId;
        for (var downstream = 0; downstream < count; downstream++)
        {
            if (downstream % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var upstream = graph.Upstream[first + downstream];
            if (upstream.Length == 0)
            {
                continue;
            }
            _edgeDownstream.Value = result.Ids[downstream];
            foreach (var u in upstream)
            {
                _edgeUpstream.Value = u >= first ? result.Ids[u - first] : FindId(graph.Tasks[u]);
                _insertEdge.ExecuteNonQuery();
            }
        }
        return result;
    }

    /// <summary>
    /// Adds the graph's tasks from <paramref name="first"/> on to a registered workflow, in one transaction: the
    /// tasks before them are already in it (a run that accepts tasks as it goes, such as a typed experiment).
    /// </summary>
    public WorkflowRegistration AddTasks(
        long workflowId,
        WorkflowGraph graph,
        int first,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var count = graph.Tasks.Count - first;
        if (first < 0 || count < 0 || taskDirectories.Count != count || paramsJson.Count != count)
        {
            throw new ArgumentException($"tasks {first}..{graph.Tasks.Count} need {count} directories and params.json texts");
        }
        cancellationToken.ThrowIfCancellationRequested();
        var at = StoreTime.ToText(now);
        _taskAt.Value = at;
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }
        var tasks = InsertAll(transaction, workflowId, graph, taskDirectories, paramsJson, at, cancellationToken, first);
        transaction.Commit();
        return new WorkflowRegistration(workflowId, false, tasks.Ids, tasks.States, tasks.Reasons, tasks.AttemptCounts, tasks.LastAttempts);
    }

    private long FindId(TaskSpec spec)
    {
        _findIdentity.Value = spec.Identity.Hex;
        using var reader = _findTask.ExecuteReader();
        return reader.Read() ? reader.GetInt64(0) : throw new InvalidOperationException($"task '{spec.Name}' is not in the store");
    }

    /// <summary>Creates or refreshes a task; returns its id when the statement wrote the row, 0 when it was unchanged.</summary>
    private long UpsertTask(TaskSpec spec, string directory, string paramsJson)
    {
        _identity.Value = spec.Identity.Hex;
        _template.Value = spec.Template.Name;
        _maxAttempts.Value = spec.MaxAttempts;
        _priority.Value = spec.Priority;
        _cpus.Value = spec.Resources.Cpus;
        _memoryBytes.Value = spec.Resources.MemoryBytes;
        _runtimeSeconds.Value = ExistingTask.RuntimeSecondsOf(spec).OrNull();
        _directory.Value = directory;
        _params.Value = paramsJson;
        using var reader = _upsertTask.ExecuteReader();
        return reader.Read() ? reader.GetInt64(0) : 0;
    }

    private void InsertWorkflowTask(TaskSpec spec, int ordinal, long taskId)
    {
        _wtOrdinal.Value = ordinal;
        _wtTaskId.Value = taskId;
        _wtName.Value = spec.Name;
        _wtTags.Value = StoreJson.Array(spec.Tags);
        _wtAttributes.Value = StoreJson.Object(spec.Attributes);
        _insertWorkflowTask.ExecuteNonQuery();
    }

    private void Execute(SqliteTransaction transaction, string sql, long id)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", id);
        command.ExecuteNonQuery();
    }

    private object? Scalar(SqliteTransaction transaction, string sql)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command.Dispose();
        }
    }
}
