using Baton.Core.Executors;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;

namespace Baton.Stores.Postgres.Reading;

/// <summary>Reads an attempt's columns, with its resource request and usage.</summary>
internal static class AttemptColumns
{
    /// <summary>The columns <see cref="Row"/> reads, in its order.</summary>
    public const string Names = """
        a.number, a.run_id, a.executor, a.executor_id, a.host, a.pid, a.directory, a.started_at, a.ended_at,
        a.outcome, a.exit_code, a.message,
        a.request_cpus, a.request_memory_bytes, a.request_runtime_seconds,
        a.wall_seconds, a.user_seconds, a.system_seconds, a.peak_rss_bytes, a.argv::text
        """;

    /// <summary>An attempt from the <see cref="Names"/> columns, starting at <paramref name="first"/>.</summary>
    public static AttemptRow Row(NpgsqlDataReader reader, int first) => new(
        reader.GetInt32(first),
        reader.GetInt64(first + 1),
        reader.GetString(first + 2),
        reader.GetString(first + 3),
        reader.GetString(first + 4),
        reader.IsDBNull(first + 5) ? null : reader.GetInt32(first + 5),
        reader.GetString(first + 6),
        StoreTime.Parse(reader.GetString(first + 7)),
        reader.IsDBNull(first + 8) ? null : StoreTime.Parse(reader.GetString(first + 8)),
        reader.IsDBNull(first + 9) ? null : StoreWords.Outcome(reader.GetString(first + 9)),
        reader.IsDBNull(first + 10) ? null : reader.GetInt32(first + 10),
        reader.IsDBNull(first + 11) ? null : reader.GetString(first + 11))
    {
        Resources = reader.IsDBNull(first + 12)
            ? null
            : new ResourceRequest(
                reader.GetInt32(first + 12),
                reader.GetInt64(first + 13),
                reader.IsDBNull(first + 14) ? null : TimeSpan.FromSeconds(reader.GetDouble(first + 14))),
        Usage = reader.IsDBNull(first + 15)
            ? null
            : new AttemptUsage(
                TimeSpan.FromSeconds(reader.GetDouble(first + 15)),
                TimeSpan.FromSeconds(reader.GetDouble(first + 16)),
                TimeSpan.FromSeconds(reader.GetDouble(first + 17)),
                reader.GetInt64(first + 18)),
        Argv = reader.IsDBNull(first + 19) ? null : StoreJson.ParseArray(reader.GetString(first + 19)),
    };
}
