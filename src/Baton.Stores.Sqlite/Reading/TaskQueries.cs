using System.Text.Json;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

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
        coalesce(wt.tags, '[]'), t.directory, t.updated_at, coalesce(wt.workflow_id, 0)
        """;

    private const string ListFrom = $"""
        SELECT {TaskRowColumns}, wt.ordinal
        FROM workflow_tasks wt
        JOIN workflows w ON w.id = wt.workflow_id
        JOIN tasks t ON t.id = wt.task_id
        """;

    public static IReadOnlyList<TaskRow> List(SqliteConnection connection, TaskFilter filter, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = ListFrom + Where(command, filter) + "\nORDER BY wt.workflow_id, wt.ordinal\nLIMIT @limit";
        command.Parameters.AddWithValue("@limit", filter.Limit is { } limit ? Math.Max(0, limit) : -1);
        return ReadRows(command, cancellationToken);
    }

    /// <summary>The rows after <paramref name="after"/> in listing order: the key is (workflow id, ordinal), which never changes for a row.</summary>
    public static TaskPage Page(SqliteConnection connection, TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, filter, after is null ? null : "(wt.workflow_id, wt.ordinal) > (@after_workflow, @after_ordinal)");
        if (after is not null)
        {
            command.Parameters.AddWithValue("@after_workflow", after.WorkflowId);
            command.Parameters.AddWithValue("@after_ordinal", after.Ordinal);
        }
        command.CommandText = ListFrom + where + "\nORDER BY wt.workflow_id, wt.ordinal\nLIMIT @limit";
        command.Parameters.AddWithValue("@limit", limit);
        var ordinals = new List<int>();
        var rows = ReadRows(command, cancellationToken, ordinals);
        TaskPageKey? next = rows.Count == limit ? new TaskPageKey(rows[^1].WorkflowId, ordinals[^1]) : null;
        return new TaskPage(rows, next);
    }

    public static IReadOnlyDictionary<TaskState, int> Count(SqliteConnection connection, TaskFilter filter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.state, count(*)
            FROM workflow_tasks wt
            JOIN workflows w ON w.id = wt.workflow_id
            JOIN tasks t ON t.id = wt.task_id
            """ + Where(command, filter) + "\nGROUP BY t.state";
        var counts = new SortedDictionary<TaskState, int>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[StoreWords.State(reader.GetString(0))] = reader.GetInt32(1);
        }
        return counts;
    }

    /// <summary>
    /// The WHERE clause of <paramref name="filter"/> (empty when it selects everything), its parameters added to
    /// <paramref name="command"/>. Only the filters that are set go into the statement, so that SQLite can use the
    /// index of the one that narrows most (workflow name, state, template, identity) instead of reading every row.
    /// </summary>
    private static string Where(SqliteCommand command, TaskFilter filter, string? extra = null)
    {
        var conditions = new List<string>();
        if (filter.Workflow is { } workflow)
        {
            conditions.Add("w.name = @workflow");
            command.Parameters.AddWithValue("@workflow", workflow);
        }
        if (filter.States is { } states)
        {
            conditions.Add("t.state IN (SELECT value FROM json_each(@states))");
            command.Parameters.AddWithValue("@states",
                JsonSerializer.Serialize(states.Select(s => s.ToWord()).Distinct().ToArray(), StoreJsonContext.Default.StringArray));
        }
        if (filter.Template is { } template)
        {
            conditions.Add("t.template = @template");
            command.Parameters.AddWithValue("@template", template);
        }
        if (filter.Tag is { } tag)
        {
            // Tags are a JSON array: a tag matches whole, never as a part of another.
            conditions.Add("EXISTS (SELECT 1 FROM json_each(wt.tags) WHERE json_each.value = @tag)");
            command.Parameters.AddWithValue("@tag", tag);
        }
        if (filter.WorkflowId is { } workflowId)
        {
            conditions.Add("wt.workflow_id = @workflow_id");
            command.Parameters.AddWithValue("@workflow_id", workflowId);
        }
        if (filter.Attribute is { } attribute)
        {
            // A task's own attribute, or one of its workflow's.
            conditions.Add("(json_extract(wt.attributes, '$.' || json_quote(@attr_key)) = @attr_value"
                + " OR json_extract(w.attributes, '$.' || json_quote(@attr_key)) = @attr_value)");
            command.Parameters.AddWithValue("@attr_key", attribute.Key);
            command.Parameters.AddWithValue("@attr_value", attribute.Value);
        }
        if (filter.NameOrIdentity is { } nameOrIdentity)
        {
            command.Parameters.AddWithValue("@name", nameOrIdentity);
            if (IdentityRange(nameOrIdentity) is var (from, to))
            {
                conditions.Add("(wt.name = @name OR t.id IN (SELECT id FROM tasks WHERE identity >= @identity_from AND identity < @identity_to))");
                command.Parameters.AddWithValue("@identity_from", from);
                command.Parameters.AddWithValue("@identity_to", to);
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

    private static List<TaskRow> ReadRows(SqliteCommand command, CancellationToken cancellationToken, List<int>? ordinals = null)
    {
        var rows = new List<TaskRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (rows.Count % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            rows.Add(ReadTaskRow(reader));
            ordinals?.Add(reader.GetInt32(13));
        }
        return rows;
    }

    /// <summary>
    /// The identities that start with <paramref name="text"/> when it is a hex prefix long enough, as a range on
    /// the identity index (every hex digit sorts before 'g'); otherwise null.
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

    public static TaskDetails? Details(SqliteConnection connection, long taskId)
    {
        // One read transaction: the row, its history and its attempts are one consistent snapshot.
        using var transaction = connection.BeginTransaction(deferred: true);
        TaskRow row;
        string paramsJson;
        string attributes;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // A task in several workflows is shown as it appears in the newest of them.
            command.CommandText = $$"""
                SELECT {{TaskRowColumns}}, t.params, coalesce(wt.attributes, '{}')
                FROM tasks t
                LEFT JOIN workflow_tasks wt ON wt.task_id = t.id
                LEFT JOIN workflows w ON w.id = wt.workflow_id
                WHERE t.id = @id
                ORDER BY wt.workflow_id DESC
                LIMIT 1
                """;
            command.Parameters.AddWithValue("@id", taskId);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }
            row = ReadTaskRow(reader);
            paramsJson = reader.GetString(13);
            attributes = reader.GetString(14);
        }

        var history = new List<StateHistoryEntry>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT state, reason, message, at, run_id FROM state_history WHERE task_id = @id ORDER BY id";
            command.Parameters.AddWithValue("@id", taskId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                history.Add(new StateHistoryEntry(
                    StoreWords.State(reader.GetString(0)),
                    StoreWords.Reason(reader.GetString(1)),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    StoreTime.Parse(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4)));
            }
        }

        var attempts = new List<AttemptRow>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"""
                SELECT {AttemptColumns.Names}
                FROM attempts a WHERE a.task_id = @id ORDER BY a.number
                """;
            command.Parameters.AddWithValue("@id", taskId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                attempts.Add(AttemptColumns.Row(reader, 0));
            }
        }
        transaction.Commit();
        return new TaskDetails(row, paramsJson, StoreJson.ParseObject(attributes), history, attempts);
    }

    private static TaskRow ReadTaskRow(SqliteDataReader reader) => new(
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
