using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

/// <summary>What <c>baton errors</c> and <c>baton usage</c> read: attempts with their task.</summary>
internal static class AttemptQueries
{
    public static IReadOnlyList<AttemptListing> List(SqliteConnection connection, AttemptFilter filter, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        var conditions = new List<string>();
        if (filter.Workflow is { } workflow)
        {
            conditions.Add("w.name = @workflow");
            command.Parameters.AddWithValue("@workflow", workflow);
        }
        if (filter.Template is { } template)
        {
            conditions.Add("t.template = @template");
            command.Parameters.AddWithValue("@template", template);
        }
        if (filter.RunId is { } run)
        {
            conditions.Add("a.run_id = @run");
            command.Parameters.AddWithValue("@run", run);
        }
        if (filter.FailedOnly)
        {
            conditions.Add("a.outcome IS NOT NULL AND a.outcome NOT IN (@succeeded, @killed)");
        }
        if (filter.SucceededOnly)
        {
            conditions.Add("a.outcome = @succeeded");
        }
        command.Parameters.AddWithValue("@succeeded", AttemptOutcome.Succeeded.ToWord());
        command.Parameters.AddWithValue("@killed", AttemptOutcome.Killed.ToWord());
        // A task in several workflows is listed once per workflow unless one is chosen: the first by id.
        var oneWorkflow = filter.Workflow is null
            ? "wt.workflow_id = (SELECT min(x.workflow_id) FROM workflow_tasks x WHERE x.task_id = t.id)"
            : "1";
        command.CommandText = $"""
            SELECT t.id, w.name, wt.name, t.template,
                   a.number, a.run_id, a.executor, a.executor_id, a.host, a.pid, a.directory, a.started_at, a.ended_at,
                   a.outcome, a.exit_code, a.message,
                   a.request_cpus, a.request_memory_bytes, a.request_runtime_seconds,
                   a.wall_seconds, a.user_seconds, a.system_seconds, a.peak_rss_bytes
            FROM attempts a
            JOIN tasks t ON t.id = a.task_id
            JOIN workflow_tasks wt ON wt.task_id = t.id
            JOIN workflows w ON w.id = wt.workflow_id
            WHERE {oneWorkflow}{string.Concat(conditions.Select(c => "\n  AND " + c))}
            ORDER BY wt.workflow_id, wt.ordinal, a.number
            """;
        var rows = new List<AttemptListing>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (rows.Count % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var attempt = new AttemptRow(
                reader.GetInt32(4),
                reader.GetInt64(5),
                reader.GetString(6),
                reader.GetString(7),
                reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetInt32(9),
                reader.GetString(10),
                StoreTime.Parse(reader.GetString(11)),
                reader.IsDBNull(12) ? null : StoreTime.Parse(reader.GetString(12)),
                reader.IsDBNull(13) ? null : StoreWords.Outcome(reader.GetString(13)),
                reader.IsDBNull(14) ? null : reader.GetInt32(14),
                reader.IsDBNull(15) ? null : reader.GetString(15))
            {
                Resources = AttemptColumns.Resources(reader, 16),
                Usage = AttemptColumns.Usage(reader, 19),
            };
            rows.Add(new AttemptListing(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), attempt));
        }
        return rows;
    }
}
