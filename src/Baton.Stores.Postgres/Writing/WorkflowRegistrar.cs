using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>
/// Records a workflow graph in one transaction, set-based: the graph's tasks and edges are streamed into
/// temporary tables with binary COPY, then a few statements upsert the tasks by identity (a task that exists keeps
/// its state; new ones get their first history row in the same statement), rewrite only the workflow rows that
/// changed, add edges and read back ids and states. A 100,000-task workflow is a few statements and two COPYs,
/// not 100,000 round trips. First the workflow's row is found or recorded as a version of its name and args, under
/// that workflow's lock (<see cref="WorkflowVersions"/>).
/// </summary>
internal static class WorkflowRegistrar
{
    private const int CancellationCheckInterval = 4096;

    public static async Task<WorkflowRegistration> RegisterAsync(
        NpgsqlConnection connection,
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var at = StoreTime.ToText(now);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (workflowId, created, version, previous) = await FindOrInsertWorkflowAsync(connection, transaction, graph, at, cancellationToken);
        var tasks = await WriteTasksAsync(connection, transaction, workflowId, graph, 0, taskDirectories, paramsJson, at,
            rewriteRows: !created, addEdges: created, cancellationToken);
        var change = previous is { } p
            ? await WorkflowVersions.CompareAsync(connection, transaction, workflowId, version, p.Id, p.Version, cancellationToken)
            : null;
        await transaction.CommitAsync(cancellationToken);
        return new WorkflowRegistration(workflowId, created, tasks.Ids, tasks.States, tasks.Reasons, tasks.AttemptCounts, tasks.LastAttempts)
        {
            Version = version,
            Change = change,
        };
    }

    public static async Task<WorkflowRegistration> AddTasksAsync(
        NpgsqlConnection connection,
        long workflowId,
        WorkflowGraph graph,
        int first,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tasks = await WriteTasksAsync(connection, transaction, workflowId, graph, first, taskDirectories, paramsJson, StoreTime.ToText(now),
            rewriteRows: false, addEdges: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WorkflowRegistration(workflowId, false, tasks.Ids, tasks.States, tasks.Reasons, tasks.AttemptCounts, tasks.LastAttempts);
    }

    /// <summary>
    /// Finds the workflow's version with this DAG, or records a new version; either way it becomes the current one.
    /// <c>Previous</c> is the version that was current before, when that was another one. Under the workflow's
    /// lock (<see cref="WorkflowVersions.LockAsync"/>): nothing below can interleave with another registration of
    /// the same name and args.
    /// </summary>
    private static async Task<(long Id, bool Created, int Version, (long Id, int Version)? Previous)> FindOrInsertWorkflowAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, WorkflowGraph graph, string at, CancellationToken cancellationToken)
    {
        var argsJson = StoreJson.Object(graph.WorkflowArgs);
        var argsHash = StoreJson.Sha256(argsJson);
        var attributes = StoreJson.Object(graph.Attributes);
        await WorkflowVersions.LockAsync(connection, transaction, graph.Name, argsHash, cancellationToken);
        var current = await WorkflowVersions.CurrentAsync(connection, transaction, graph.Name, argsHash, cancellationToken);
        // Seen before: the same workflow may be run from a moved or copied file, and attributes are not part of
        // identity (the latest file's are kept).
        (long Id, int Version)? seen;
        await using (var update = new NpgsqlCommand("""
            UPDATE workflows SET source_file = $4, attributes = $5::json
            WHERE name = $1 AND args_hash = $2 AND dag_hash = $3
            RETURNING id, version
            """, connection, transaction)
            .With(graph.Name, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text)
            .With(graph.DagHash, NpgsqlDbType.Text)
            .With(graph.SourceFile, NpgsqlDbType.Text)
            .With(attributes, NpgsqlDbType.Text))
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
        {
            seen = await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt32(1)) : null;
        }
        if (seen is { } found)
        {
            if (current?.Id == found.Id)
            {
                return (found.Id, false, found.Version, null);
            }
            // An earlier version run again (a file edited back): it is current again.
            await WorkflowVersions.MakeCurrentAsync(connection, transaction, found.Id, graph.Name, argsHash, cancellationToken);
            return (found.Id, false, found.Version, current);
        }
        var next = await WorkflowVersions.NextAsync(connection, transaction, graph.Name, argsHash, cancellationToken);
        await WorkflowVersions.RetireOthersAsync(connection, transaction, 0, graph.Name, argsHash, cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO workflows (name, workflow_args, args_hash, dag_hash, source_file, created_at, attributes, version, is_current)
            VALUES ($1, $2::json, $3, $4, $5, $6, $7::json, $8, true)
            RETURNING id
            """, connection, transaction)
            .With(graph.Name, NpgsqlDbType.Text)
            .With(argsJson, NpgsqlDbType.Text)
            .With(argsHash, NpgsqlDbType.Text)
            .With(graph.DagHash, NpgsqlDbType.Text)
            .With(graph.SourceFile, NpgsqlDbType.Text)
            .With(at, NpgsqlDbType.Text)
            .With(attributes, NpgsqlDbType.Text)
            .With(next, NpgsqlDbType.Integer);
        return ((long)(await insert.ExecuteScalarAsync(cancellationToken))!, true, next, current);
    }

    /// <summary>
    /// The graph's tasks from <paramref name="first"/> on (directories and parameters indexed from 0) into the
    /// workflow; the result is indexed from 0 as well.
    /// </summary>
    private static async Task<RegisteredTasks> WriteTasksAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        long workflowId,
        WorkflowGraph graph,
        int first,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        string at,
        bool rewriteRows,
        bool addEdges,
        CancellationToken cancellationToken)
    {
        var count = graph.Tasks.Count - first;
        await ExecuteAsync(connection, transaction, """
            CREATE TEMP TABLE baton_register (
                ordinal integer, identity text COLLATE "C", template text, max_attempts integer, priority integer,
                cpus integer, memory_bytes bigint, runtime_seconds bigint, directory text, params text,
                name text, tags text, attributes text) ON COMMIT DROP;
            CREATE TEMP TABLE baton_register_edges (downstream text COLLATE "C", upstream text COLLATE "C") ON COMMIT DROP;
            """, cancellationToken);
        await CopyTasksAsync(connection, graph, first, taskDirectories, paramsJson, cancellationToken);
        if (addEdges)
        {
            await CopyEdgesAsync(connection, graph, first, cancellationToken);
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        // One row per identity (the same task may appear under two names: the last one's description wins, as
        // when each row is upserted in turn). New tasks start Waiting with one history row; ids follow graph order.
        // An anti-join, not ON CONFLICT: a plain insert is several times cheaper per row; another node inserting
        // the same task meanwhile makes this one fail on the unique identity, and the store runs it again.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH src AS (
                SELECT DISTINCT ON (identity) * FROM baton_register ORDER BY identity, ordinal DESC
            ), created AS (
                INSERT INTO tasks (identity, template, state, reason, attempt_count, max_attempts, priority,
                                   cpus, memory_bytes, runtime_seconds, directory, params, updated_at)
                SELECT identity, template, $1, '', 0, max_attempts, priority, cpus, memory_bytes, runtime_seconds,
                       directory, params, $2
                FROM src WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.identity = src.identity)
                ORDER BY ordinal
                RETURNING id
            )
            INSERT INTO state_history (task_id, run_id, state, reason, message, at)
            SELECT id, NULL, $1, '', NULL, $2 FROM created ORDER BY id
            """)
            .With(TaskState.Waiting.ToWord(), NpgsqlDbType.Text)
            .With(at, NpgsqlDbType.Text));
        // Tasks that existed keep their state; what describes them is refreshed, and a row is written only when
        // something did change (a re-run rewrites nothing).
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE tasks t
            SET template = s.template, max_attempts = s.max_attempts, priority = s.priority, cpus = s.cpus,
                memory_bytes = s.memory_bytes, runtime_seconds = s.runtime_seconds, directory = s.directory, params = s.params
            FROM (SELECT DISTINCT ON (identity) * FROM baton_register ORDER BY identity, ordinal DESC) s
            WHERE t.identity = s.identity
              AND (t.template, t.max_attempts, t.priority, t.cpus, t.memory_bytes, t.runtime_seconds, t.directory, t.params)
                  IS DISTINCT FROM
                  (s.template, s.max_attempts, s.priority, s.cpus, s.memory_bytes, s.runtime_seconds, s.directory, s.params)
            """));
        if (rewriteRows)
        {
            // A workflow seen before: drop the rows that no longer say what the graph says (renamed, retagged,
            // reordered, gone), then insert the graph's rows that are missing. Deleting first lets two tasks swap
            // names, which are unique per workflow.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                DELETE FROM workflow_tasks wt
                WHERE wt.workflow_id = $1
                  AND NOT EXISTS (
                      SELECT 1 FROM baton_register s JOIN tasks t ON t.identity = s.identity
                      WHERE s.ordinal = wt.ordinal AND t.id = wt.task_id AND s.name = wt.name
                        AND s.tags = wt.tags::text AND s.attributes = wt.attributes::text)
                """).With(workflowId, NpgsqlDbType.Bigint));
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO workflow_tasks (workflow_id, ordinal, task_id, name, tags, attributes)
            SELECT $1, s.ordinal, t.id, s.name, s.tags::json, s.attributes::json
            FROM baton_register s JOIN tasks t ON t.identity = s.identity
            WHERE NOT EXISTS (SELECT 1 FROM workflow_tasks wt WHERE wt.workflow_id = $1 AND wt.ordinal = s.ordinal)
            ORDER BY s.ordinal
            """).With(workflowId, NpgsqlDbType.Bigint));
        if (addEdges)
        {
            // DO NOTHING: two graph tasks with one identity (the same task under two names) give the same edge twice.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO edges (workflow_id, downstream_task_id, upstream_task_id)
                SELECT $1, d.id, u.id
                FROM baton_register_edges e
                JOIN tasks d ON d.identity = e.downstream
                JOIN tasks u ON u.identity = e.upstream
                ON CONFLICT DO NOTHING
                """).With(workflowId, NpgsqlDbType.Bigint));
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT t.id, t.state, t.reason, t.attempt_count,
                   coalesce((SELECT max(a.number) FROM attempts a WHERE a.task_id = t.id), 0)
            FROM baton_register s JOIN tasks t ON t.identity = s.identity
            ORDER BY s.ordinal
            """));

        var result = new RegisteredTasks(count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            var i = 0;
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    result.Set(i++, reader.GetInt64(0), StoreWords.State(reader.GetString(1)), StoreWords.Reason(reader.GetString(2)),
                        reader.GetInt32(3), reader.GetInt32(4));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
            if (i != count)
            {
                throw new InvalidOperationException($"registration of '{graph.Name}' read back {i} tasks for {count}");
            }
        }
        return result;
    }

    private static async Task CopyTasksAsync(
        NpgsqlConnection connection, WorkflowGraph graph, int first, IReadOnlyList<string> taskDirectories, IReadOnlyList<string> paramsJson,
        CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            COPY baton_register (ordinal, identity, template, max_attempts, priority, cpus, memory_bytes, runtime_seconds,
                                 directory, params, name, tags, attributes) FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        for (var i = 0; i < graph.Tasks.Count - first; i++)
        {
            if (i % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var spec = graph.Tasks[first + i];
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(first + i, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(spec.Identity.Hex, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(spec.Template.Name, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(spec.MaxAttempts, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(spec.Priority, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(spec.Resources.Cpus, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(spec.Resources.MemoryBytes, NpgsqlDbType.Bigint, cancellationToken);
            if (RuntimeSecondsOf(spec) is { } runtime)
            {
                await copy.WriteAsync(runtime, NpgsqlDbType.Bigint, cancellationToken);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken);
            }
            await copy.WriteAsync(taskDirectories[i], NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(paramsJson[i], NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(spec.Name, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(StoreJson.Array(spec.Tags), NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(StoreJson.Object(spec.Attributes), NpgsqlDbType.Text, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Edges into the new tasks, by identity (an upstream may be a task added earlier).</summary>
    private static async Task CopyEdgesAsync(NpgsqlConnection connection, WorkflowGraph graph, int first, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY baton_register_edges (downstream, upstream) FROM STDIN (FORMAT BINARY)", cancellationToken);
        for (var downstream = first; downstream < graph.Tasks.Count; downstream++)
        {
            if (downstream % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            foreach (var upstream in graph.Upstream[downstream])
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(graph.Tasks[downstream].Identity.Hex, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(graph.Tasks[upstream].Identity.Hex, NpgsqlDbType.Text, cancellationToken);
            }
        }
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Runtime limits are stored in whole seconds, rounded up so that a limit is never shortened.</summary>
    private static long? RuntimeSecondsOf(TaskSpec spec) =>
        spec.Resources.Runtime is { } runtime ? (long)Math.Ceiling(runtime.TotalSeconds) : null;

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
