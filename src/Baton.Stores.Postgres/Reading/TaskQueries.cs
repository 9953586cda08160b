using System.Data;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Reading;

/// <summary>What <c>baton list</c> and <c>baton show</c> read.</summary>
internal static class TaskQueries
{
    /// <summary>Shortest identity prefix accepted, so that a short name is not taken for a prefix by accident.</summary>
    public const int MinimumIdentityPrefix = 4;

    // Columns of a TaskRow, in the order ReadTaskRow expects them.
    private const string TaskRowColumns = """
        t.id, coalesce(w.name, ''), coalesce(wt.name, substr(t.identity, 1, 12)), t.template, t.identity,
        t.state, t.reason, t.attempt_count,
        (SELECT a.exit_code FROM attempts a WHERE a.task_id = t.id ORDER BY a.number DESC LIMIT 1),
        coalesce(wt.tags::text, '[]'), t.directory, t.updated_at, coalesce(wt.workflow_id, 0)
        """;

    private const string ListFrom = $"""
        SELECT {TaskRowColumns}, wt.ordinal
        FROM workflow_tasks wt
        JOIN workflows w ON w.id = wt.workflow_id
        JOIN tasks t ON t.id = wt.task_id
        """;

    public static async Task<IReadOnlyList<TaskRow>> ListAsync(NpgsqlConnection connection, TaskFilter filter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = ListFrom + Where(command, filter) + "\nORDER BY wt.workflow_id, wt.ordinal\nLIMIT @limit";
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Bigint)
        {
            // LIMIT NULL is no limit.
            Value = filter.Limit is { } limit ? Math.Max(0, limit) : DBNull.Value,
        });
        return await ReadRowsAsync(command, null, cancellationToken);
    }

    /// <summary>The rows after <paramref name="after"/> in listing order: the key is (workflow id, ordinal), which never changes for a row.</summary>
    public static async Task<TaskPage> PageAsync(NpgsqlConnection connection, TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var where = Where(command, filter, after is null ? null : "(wt.workflow_id, wt.ordinal) > (@after_workflow, @after_ordinal)");
        if (after is not null)
        {
            command.Parameters.AddWithValue("after_workflow", after.WorkflowId);
            command.Parameters.AddWithValue("after_ordinal", after.Ordinal);
        }
        command.CommandText = ListFrom + where + "\nORDER BY wt.workflow_id, wt.ordinal\nLIMIT @limit";
        command.Parameters.AddWithValue("limit", (long)limit);
        var ordinals = new List<int>();
        var rows = await ReadRowsAsync(command, ordinals, cancellationToken);
        TaskPageKey? next = rows.Count == limit ? new TaskPageKey(rows[^1].WorkflowId, ordinals[^1]) : null;
        return new TaskPage(rows, next);
    }

    public static async Task<IReadOnlyDictionary<TaskState, int>> CountAsync(NpgsqlConnection connection, TaskFilter filter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.state, count(*)
            FROM workflow_tasks wt
            JOIN workflows w ON w.id = wt.workflow_id
            JOIN tasks t ON t.id = wt.task_id
            """ + Where(command, filter) + "\nGROUP BY t.state";
        var counts = new SortedDictionary<TaskState, int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[StoreWords.State(reader.GetString(0))] = (int)reader.GetInt64(1);
        }
        return counts;
    }

    /// <summary>
    /// The WHERE clause of <paramref name="filter"/> (empty when it selects everything), its parameters added to
    /// <paramref name="command"/>. Only the filters that are set go into the statement, so that the planner uses
    /// the index of the one that narrows most (workflow name, state, template, identity).
    /// </summary>
    private static string Where(NpgsqlCommand command, TaskFilter filter, string? extra = null)
    {
        var conditions = new List<string>();
        if (filter.Workflow is { } workflow)
        {
            conditions.Add("w.name = @workflow");
            command.Parameters.AddWithValue("workflow", workflow);
        }
        if (filter.States is { } states)
        {
            conditions.Add("t.state = ANY(@states)");
            command.Parameters.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                Value = states.Select(s => s.ToWord()).Distinct().ToArray(),
            });
        }
        if (filter.Template is { } template)
        {
            conditions.Add("t.template = @template");
            command.Parameters.AddWithValue("template", template);
        }
        if (filter.Tag is { } tag)
        {
            // Tags are a JSON array: a tag matches whole, never as a part of another.
            conditions.Add("EXISTS (SELECT 1 FROM json_array_elements_text(wt.tags) tag WHERE tag = @tag)");
            command.Parameters.AddWithValue("tag", tag);
        }
        if (filter.WorkflowId is { } workflowId)
        {
            conditions.Add("wt.workflow_id = @workflow_id");
            command.Parameters.AddWithValue("workflow_id", workflowId);
        }
        if (filter.CurrentVersionsOnly)
        {
            conditions.Add("w.is_current");
        }
        if (filter.Attribute is { } attribute)
        {
            // A task's own attribute, or one of its workflow's.
            conditions.Add("(wt.attributes ->> @attr_key = @attr_value OR w.attributes ->> @attr_key = @attr_value)");
            command.Parameters.AddWithValue("attr_key", attribute.Key);
            command.Parameters.AddWithValue("attr_value", attribute.Value);
        }
        if (filter.NameOrIdentity is { } nameOrIdentity)
        {
            command.Parameters.AddWithValue("name", nameOrIdentity);
            if (IdentityRange(nameOrIdentity) is var (from, to))
            {
                conditions.Add("(wt.name = @name OR t.id IN (SELECT id FROM tasks WHERE identity >= @identity_from AND identity < @identity_to))");
                command.Parameters.AddWithValue("identity_from", from);
                command.Parameters.AddWithValue("identity_to", to);
            }
            else
            {
                conditions.Add("wt.name = @name");
            }
        }
        if (extra is not null)
        {
            conditions.Add(extra);
        }
        return conditions.Count > 0 ? "\nWHERE " + string.Join("\n  AND ", conditions) : "";
    }

    private static async Task<List<TaskRow>> ReadRowsAsync(NpgsqlCommand command, List<int>? ordinals, CancellationToken cancellationToken)
    {
        var rows = new List<TaskRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadTaskRow(reader));
            ordinals?.Add(reader.GetInt32(13));
        }
        return rows;
    }

    /// <summary>
    /// The identities that start with <paramref name="text"/> when it is a hex prefix long enough, as a range on
    /// the identity index (every hex digit sorts before 'g' in the "C" collation); otherwise null.
    /// </summary>
    internal static (string From, string To)? IdentityRange(string text)
    {
        if (text.Length < MinimumIdentityPrefix || text.Length > 64 || !text.All(char.IsAsciiHexDigit))
        {
            return null;
        }
        var prefix = text.ToLowerInvariant();
        return (prefix, prefix + "g");
    }

    public static async Task<TaskDetails?> DetailsAsync(NpgsqlConnection connection, long taskId, CancellationToken cancellationToken)
    {
        // One snapshot: the row, its history and its attempts agree with each other.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                // A task in several workflows is shown as it appears in the newest of them, a current version first.
                new NpgsqlBatchCommand($$"""
                    SELECT {{TaskRowColumns}}, t.params, coalesce(wt.attributes::text, '{}')
                    FROM tasks t
                    LEFT JOIN workflow_tasks wt ON wt.task_id = t.id
                    LEFT JOIN workflows w ON w.id = wt.workflow_id
                    WHERE t.id = $1
                    ORDER BY coalesce(w.is_current, false) DESC, wt.workflow_id DESC NULLS LAST
                    LIMIT 1
                    """) { Parameters = { new NpgsqlParameter { Value = taskId, NpgsqlDbType = NpgsqlDbType.Bigint } } },
                Links(taskId, upstream: true),
                Links(taskId, upstream: false),
                new NpgsqlBatchCommand("SELECT state, reason, message, at, run_id FROM state_history WHERE task_id = $1 ORDER BY id")
                    { Parameters = { new NpgsqlParameter { Value = taskId, NpgsqlDbType = NpgsqlDbType.Bigint } } },
                new NpgsqlBatchCommand($"SELECT {AttemptColumns.Names} FROM attempts a WHERE a.task_id = $1 ORDER BY a.number")
                    { Parameters = { new NpgsqlParameter { Value = taskId, NpgsqlDbType = NpgsqlDbType.Bigint } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var row = ReadTaskRow(reader);
        var paramsJson = reader.GetString(13);
        var attributes = reader.GetString(14);

        var upstream = await ReadLinksAsync(reader, cancellationToken);
        var downstream = await ReadLinksAsync(reader, cancellationToken);

        await reader.NextResultAsync(cancellationToken);
        var history = new List<StateHistoryEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new StateHistoryEntry(
                StoreWords.State(reader.GetString(0)),
                StoreWords.Reason(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                StoreTime.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetInt64(4)));
        }

        await reader.NextResultAsync(cancellationToken);
        var attempts = new List<AttemptRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(AttemptColumns.Row(reader, 0));
        }
        return new TaskDetails(row, paramsJson, StoreJson.ParseObject(attributes), history, attempts)
        {
            Upstream = upstream,
            Downstream = downstream,
        };
    }

    /// <summary>
    /// The tasks on the other side of a task's edges, in workflow order, in the workflow its details show it in
    /// (chosen as the task row above chooses it).
    /// </summary>
    private static NpgsqlBatchCommand Links(long taskId, bool upstream)
    {
        var (self, other) = upstream ? ("downstream_task_id", "upstream_task_id") : ("upstream_task_id", "downstream_task_id");
        return new NpgsqlBatchCommand($"""
            WITH shown AS (
                SELECT wt.workflow_id FROM workflow_tasks wt JOIN workflows w ON w.id = wt.workflow_id
                WHERE wt.task_id = $1
                ORDER BY w.is_current DESC, wt.workflow_id DESC
                LIMIT 1)
            SELECT t.id, wt.name, t.state
            FROM shown
            JOIN edges e ON e.workflow_id = shown.workflow_id AND e.{self} = $1
            JOIN workflow_tasks wt ON wt.workflow_id = e.workflow_id AND wt.task_id = e.{other}
            JOIN tasks t ON t.id = e.{other}
            ORDER BY wt.ordinal
            """) { Parameters = { new NpgsqlParameter { Value = taskId, NpgsqlDbType = NpgsqlDbType.Bigint } } };
    }

    private static async Task<List<TaskLink>> ReadLinksAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.NextResultAsync(cancellationToken);
        var links = new List<TaskLink>();
        while (await reader.ReadAsync(cancellationToken))
        {
            links.Add(new TaskLink(reader.GetInt64(0), reader.GetString(1), StoreWords.State(reader.GetString(2))));
        }
        return links;
    }

    private static TaskRow ReadTaskRow(NpgsqlDataReader reader) => new(
        TaskId: reader.GetInt64(0),
        Workflow: reader.GetString(1),
        Name: reader.GetString(2),
        Template: reader.GetString(3),
        Identity: reader.GetString(4),
        State: StoreWords.State(reader.GetString(5)),
        Reason: StoreWords.Reason(reader.GetString(6)),
        AttemptCount: reader.GetInt32(7),
        LastExitCode: reader.IsDBNull(8) ? null : reader.GetInt32(8),
        Tags: StoreJson.ParseArray(reader.GetString(9)),
        Directory: reader.GetString(10),
        UpdatedAt: StoreTime.Parse(reader.GetString(11)))
    {
        WorkflowId = reader.GetInt64(12),
    };
}
