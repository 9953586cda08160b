using Baton.Core.Executors;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

/// <summary>Reads an attempt's request and usage columns (added by the attempt-resources migration).</summary>
internal static class AttemptColumns
{
    /// <summary>The columns <see cref="Row"/> reads, in its order.</summary>
    public const string Names = """
        a.number, a.run_id, a.executor, a.executor_id, a.host, a.pid, a.directory, a.started_at, a.ended_at,
        a.outcome, a.exit_code, a.message,
        a.request_cpus, a.request_memory_bytes, a.request_runtime_seconds,
        a.wall_seconds, a.user_seconds, a.system_seconds, a.peak_rss_bytes, a.argv
        """;

    /// <summary>An attempt from the <see cref="Names"/> columns, starting at <paramref name="first"/>.</summary>
    public static AttemptRow Row(SqliteDataReader reader, int first) => new(
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
        Resources = Resources(reader, first + 12),
        Usage = Usage(reader, first + 15),
        Argv = reader.IsDBNull(first + 19) ? null : StoreJson.ParseArray(reader.GetString(first + 19)),
    };

    /// <summary>request_cpus, request_memory_bytes, request_runtime_seconds from <paramref name="first"/> on.</summary>
    public static ResourceRequest? Resources(SqliteDataReader reader, int first) =>
        reader.IsDBNull(first)
            ? null
            : new ResourceRequest(
                reader.GetInt32(first),
                reader.GetInt64(first + 1),
                reader.IsDBNull(first + 2) ? null : TimeSpan.FromSeconds(reader.GetDouble(first + 2)));

    /// <summary>wall_seconds, user_seconds, system_seconds, peak_rss_bytes from <paramref name="first"/> on.</summary>
    public static AttemptUsage? Usage(SqliteDataReader reader, int first) =>
        reader.IsDBNull(first)
            ? null
            : new AttemptUsage(
                TimeSpan.FromSeconds(reader.GetDouble(first)),
                TimeSpan.FromSeconds(reader.GetDouble(first + 1)),
                TimeSpan.FromSeconds(reader.GetDouble(first + 2)),
                reader.GetInt64(first + 3));
}
