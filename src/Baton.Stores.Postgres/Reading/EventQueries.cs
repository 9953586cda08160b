using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;

namespace Baton.Stores.Postgres.Reading;

/// <summary>Reads the event log by sequence number (catch-up of live views, the node's event stream).</summary>
internal static class EventQueries
{
    public static async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        NpgsqlConnection connection, long afterSequence, int limit, EventFilter? filter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // Only the filters that are set go into the statement, so that the planner uses the index of one of them.
        var conditions = new List<string> { "seq > @after" };
        command.Parameters.AddWithValue("after", afterSequence);
        if (filter?.RunId is { } run)
        {
            conditions.Add("run_id = @run_id");
            command.Parameters.AddWithValue("run_id", run);
        }
        if (filter?.WorkflowId is { } workflow)
        {
            conditions.Add("workflow_id = @workflow_id");
            command.Parameters.AddWithValue("workflow_id", workflow);
        }
        if (filter?.TaskId is { } task)
        {
            conditions.Add("task_id = @task_id");
            command.Parameters.AddWithValue("task_id", task);
        }
        command.CommandText = $"""
            SELECT seq, kind, at, run_id, workflow_id, task_id, attempt, state, payload::text
            FROM events
            WHERE {string.Join(" AND ", conditions)}
            ORDER BY seq
            LIMIT @limit
            """;
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var stored = new StoredEvent(reader.GetInt64(0), EventWords.ParseKind(reader.GetString(1)), StoreTime.Parse(reader.GetString(2)))
            {
                RunId = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                WorkflowId = reader.IsDBNull(4) ? null : reader.GetInt64(4),
                TaskId = reader.IsDBNull(5) ? null : reader.GetInt64(5),
                Attempt = reader.IsDBNull(6) ? null : reader.GetInt32(6),
                Payload = reader.GetString(8),
            };
            events.Add(EventWords.WithStateWord(stored, reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return events;
    }

    public static async Task<long> LatestAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(seq), 0) FROM events", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
