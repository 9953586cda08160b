using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Reading;

/// <summary>What <c>baton runs</c> and <c>baton workflows</c> read, with each workflow's version.</summary>
internal static class RunQueries
{
    private const string RunFrom = """
        SELECT r.id, r.workflow_id, w.name, r.status, r.started_at, r.ended_at, r.host, r.pid, w.source_file, w.dag_hash, r.submitted_by,
               w.version, w.is_current
        FROM runs r JOIN workflows w ON w.id = r.workflow_id
        """;

    public static async Task<IReadOnlyList<RunRow>> ListAsync(NpgsqlConnection connection, string? workflow, CancellationToken cancellationToken)
    {
        // Newest first by id: ids follow the order runs were started in, whatever clocks said.
        await using var command = new NpgsqlCommand(RunFrom + "\nWHERE $1::text IS NULL OR w.name = $1\nORDER BY r.id DESC", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)workflow ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadRunsAsync(command, cancellationToken);
    }

    public static async Task<RunRow?> GetAsync(NpgsqlConnection connection, long runId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(RunFrom + "\nWHERE r.id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId, NpgsqlDbType = NpgsqlDbType.Bigint });
        return await ReadRunsAsync(command, cancellationToken) is [var run] ? run : null;
    }

    private static async Task<List<RunRow>> ReadRunsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var runs = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new RunRow(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetString(2),
                EventWords.ParseRunStatus(reader.GetString(3)),
                StoreTime.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : StoreTime.Parse(reader.GetString(5)),
                reader.GetString(6),
                reader.GetInt32(7))
            {
                SourceFile = reader.GetString(8),
                DagHash = reader.GetString(9),
                SubmittedBy = reader.IsDBNull(10) ? null : reader.GetString(10),
                Version = reader.GetInt32(11),
                CurrentVersion = reader.GetBoolean(12),
            });
        }
        return runs;
    }

    public static async Task<IReadOnlyList<WorkflowRow>> WorkflowsAsync(NpgsqlConnection connection, string? name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT id, name, workflow_args::text, dag_hash, source_file, created_at, attributes::text, version, is_current
            FROM workflows WHERE $1::text IS NULL OR name = $1 ORDER BY id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var workflows = new List<WorkflowRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
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
