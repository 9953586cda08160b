using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Npgsql;

namespace Baton.Stores.Postgres.Reading;

/// <summary>What <c>baton errors</c> and <c>baton usage</c> read: attempts with their task.</summary>
internal static class AttemptQueries
{
    public static async Task<IReadOnlyList<AttemptListing>> ListAsync(NpgsqlConnection connection, AttemptFilter filter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var conditions = new List<string>();
        if (filter.Workflow is { } workflow)
        {
            conditions.Add("w.name = @workflow");
            command.Parameters.AddWithValue("workflow", workflow);
        }
        if (filter.Template is { } template)
        {
            conditions.Add("t.template = @template");
            command.Parameters.AddWithValue("template", template);
        }
        if (filter.RunId is { } run)
        {
            conditions.Add("a.run_id = @run");
            command.Parameters.AddWithValue("run", run);
        }
        if (filter.FailedOnly)
        {
            conditions.Add("a.outcome IS NOT NULL AND a.outcome NOT IN (@succeeded, @killed)");
        }
        if (filter.SucceededOnly)
        {
            conditions.Add("a.outcome = @succeeded");
        }
        command.Parameters.AddWithValue("succeeded", AttemptOutcome.Succeeded.ToWord());
        command.Parameters.AddWithValue("killed", AttemptOutcome.Killed.ToWord());
        if (filter.CurrentVersionsOnly)
        {
            conditions.Add("w.is_current");
        }
        // A task in several workflows is listed once: in the newest version of the chosen workflow, or else in the
        // first workflow by id (of those whose current version uses it, when only those count).
        var oneWorkflow = filter.Workflow is not null
            ? "wt.workflow_id = (SELECT max(x.workflow_id) FROM workflow_tasks x JOIN workflows xw ON xw.id = x.workflow_id WHERE x.task_id = t.id AND xw.name = @workflow"
              + (filter.CurrentVersionsOnly ? " AND xw.is_current)" : ")")
            : filter.CurrentVersionsOnly
                ? "wt.workflow_id = (SELECT min(x.workflow_id) FROM workflow_tasks x JOIN workflows xw ON xw.id = x.workflow_id WHERE x.task_id = t.id AND xw.is_current)"
                : "wt.workflow_id = (SELECT min(x.workflow_id) FROM workflow_tasks x WHERE x.task_id = t.id)";
        command.CommandText = $"""
            SELECT t.id, w.name, wt.name, t.template, {AttemptColumns.Names}
            FROM attempts a
            JOIN tasks t ON t.id = a.task_id
            JOIN workflow_tasks wt ON wt.task_id = t.id
            JOIN workflows w ON w.id = wt.workflow_id
            WHERE {oneWorkflow}{string.Concat(conditions.Select(c => "\n  AND " + c))}
            ORDER BY wt.workflow_id, wt.ordinal, a.number
            """;
        var rows = new List<AttemptListing>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempt = AttemptColumns.Row(reader, 4);
            rows.Add(new AttemptListing(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), attempt));
        }
        return rows;
    }
}
