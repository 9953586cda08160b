using Baton.Core.Graph;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

// The re-run path of registration: a workflow seen before is read once and compared in memory, and only what
// changed is written.
internal sealed partial class WorkflowRegistrar
{
    /// <summary>The re-run path: returns null when the stored rows do not match the graph's tasks.</summary>
    private RegisteredTasks? RefreshExisting(
        SqliteTransaction transaction,
        long workflowId,
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        CancellationToken cancellationToken)
    {
        var count = graph.Tasks.Count;
        var rows = ReadExisting(transaction, workflowId, count);
        if (rows.Count != count)
        {
            return null;
        }
        Dictionary<string, int>? rowByIdentity = null;
        var result = new RegisteredTasks(count);
        var rewrite = new List<int>();
        for (var i = 0; i < count; i++)
        {
            if (i % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var spec = graph.Tasks[i];
            var slot = rows[i];
            if (slot.Ordinal != i)
            {
                return null;
            }
            var row = slot;
            if (slot.Identity != spec.Identity.Hex)
            {
                // Same DAG, tasks listed in another order: find each task by identity.
                rowByIdentity ??= IndexByIdentity(rows);
                if (!rowByIdentity.TryGetValue(spec.Identity.Hex, out var at))
                {
                    return null;
                }
                row = rows[at];
            }
            if (!row.Describes(spec, taskDirectories[i], paramsJson[i]))
            {
                UpsertTask(spec, taskDirectories[i], paramsJson[i]);
            }
            if (slot.TaskId != row.TaskId || slot.Name != spec.Name
                || slot.Tags != StoreJson.Array(spec.Tags) || slot.Attributes != StoreJson.Object(spec.Attributes))
            {
                rewrite.Add(i);
            }
            result.Set(i, row.TaskId, row.State, row.Reason, row.AttemptCount, row.LastAttempt);
        }
        if (rewrite.Count > 0)
        {
            // Delete first, then insert: a rename can move a name from one row to another, and names are unique.
            _deleteWorkflowId.Value = workflowId;
            foreach (var i in rewrite)
            {
                _deleteOrdinal.Value = i;
                _deleteWorkflowTask.ExecuteNonQuery();
            }
            _wtWorkflowId.Value = workflowId;
            foreach (var i in rewrite)
            {
                InsertWorkflowTask(graph.Tasks[i], i, result.Ids[i]);
            }
        }
        return result;
    }

    private List<ExistingTask> ReadExisting(SqliteTransaction transaction, long workflowId, int capacity)
    {
        using var select = _connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = """
            SELECT wt.ordinal, wt.task_id, wt.name, wt.tags, wt.attributes,
                   t.identity, t.template, t.max_attempts, t.priority, t.cpus, t.memory_bytes, t.runtime_seconds,
                   t.directory, t.params, t.state, t.reason, t.attempt_count,
                   coalesce((SELECT max(a.number) FROM attempts a WHERE a.task_id = t.id), 0)
            FROM workflow_tasks wt JOIN tasks t ON t.id = wt.task_id
            WHERE wt.workflow_id = @workflow_id
            ORDER BY wt.ordinal
            """;
        select.Parameters.AddWithValue("@workflow_id", workflowId);
        var rows = new List<ExistingTask>(capacity);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new ExistingTask
            {
                Ordinal = reader.GetInt32(0),
                TaskId = reader.GetInt64(1),
                Name = reader.GetString(2),
                Tags = reader.GetString(3),
                Attributes = reader.GetString(4),
                Identity = reader.GetString(5),
                Template = reader.GetString(6),
                MaxAttempts = reader.GetInt32(7),
                Priority = reader.GetInt32(8),
                Cpus = reader.GetInt32(9),
                MemoryBytes = reader.GetInt64(10),
                RuntimeSeconds = reader.IsDBNull(11) ? null : reader.GetInt64(11),
                Directory = reader.GetString(12),
                Params = reader.GetString(13),
                State = StoreWords.State(reader.GetString(14)),
                Reason = StoreWords.Reason(reader.GetString(15)),
                AttemptCount = reader.GetInt32(16),
                LastAttempt = reader.GetInt32(17),
            });
        }
        return rows;
    }

    private static Dictionary<string, int> IndexByIdentity(List<ExistingTask> rows)
    {
        var index = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            index.TryAdd(rows[i].Identity, i);
        }
        return index;
    }
}
