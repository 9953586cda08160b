using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

/// <summary>What <c>baton runs</c> reads.</summary>
internal static class RunQueries
{
    private const string RunFrom = """
        SELECT r.id, r.workflow_id, w.name, r.status, r.started_at, r.ended_at, r.host, r.pid, w.source_file, w.dag_hash,
               w.version, w.is_current, r.submitted_by
        FROM runs r JOIN workflows w ON w.id = r.workflow_id
        """;

    public static IReadOnlyList<RunRow> List(SqliteConnection connection, string? workflow)
    {
        using var command = connection.CreateCommand();
        // Newest first by id: ids follow the order runs were started in, whatever clocks said.
        command.CommandText = RunFrom + """

            WHERE @workflow IS NULL OR w.name = @workflow
            ORDER BY r.id DESC
            """;
        command.Parameters.AddWithValue("@workflow", (object?)workflow ?? DBNull.Value);
        return ReadRuns(command);
    }

    public static RunRow? Get(SqliteConnection connection, long runId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = RunFrom + "\nWHERE r.id = @id";
        command.Parameters.AddWithValue("@id", runId);
        return ReadRuns(command) is [var run] ? run : null;
    }

    private static List<RunRow> ReadRuns(SqliteCommand command)
    {
        var runs = new List<RunRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            runs.Add(new RunRow(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetString(2),
                StoreWords.RunStatus(reader.GetString(3)),
                StoreTime.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : StoreTime.Parse(reader.GetString(5)),
                reader.GetString(6),
                reader.GetInt32(7))
            {
                SourceFile = reader.GetString(8),
                DagHash = reader.GetString(9),
                Version = reader.GetInt32(10),
                CurrentVersion = reader.GetBoolean(11),
                SubmittedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
            });
        }
        return runs;
    }

    public static IReadOnlyList<WorkflowRow> Workflows(SqliteConnection connection, string? name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, name, workflow_args, dag_hash, source_file, created_at, attributes, version, is_current
            FROM workflows WHERE @name IS NULL OR name = @name ORDER BY id
            """;
        command.Parameters.AddWithValue("@name", (object?)name ?? DBNull.Value);
        var workflows = new List<WorkflowRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            workflows.Add(new WorkflowRow(
                reader.GetInt64(0),
                reader.GetString(1),
                StoreJson.ParseObject(reader.GetString(2)),
                reader.GetString(3),
                reader.GetString(4),
                StoreTime.Parse(reader.GetString(5)),
                StoreJson.ParseObject(reader.GetString(6)))
            {
                Version = reader.GetInt32(7),
                Current = reader.GetBoolean(8),
            });
        }
        return workflows;
    }
}
