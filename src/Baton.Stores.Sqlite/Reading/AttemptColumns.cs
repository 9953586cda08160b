using Baton.Core.Executors;
using Baton.Core.Resources;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

/// <summary>Reads an attempt's request and usage columns (added by the attempt-resources migration).</summary>
internal static class AttemptColumns
{
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
