namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Each attempt's resource request (retries may raise memory and runtime) and what it used, measured by the
/// executor: wall, user and system CPU seconds and peak resident memory of the process tree. Workflow attributes.
/// </summary>
internal static class V002_AttemptResources
{
    public static SchemaMigration Migration { get; } = new(2, "attempt resources and usage, workflow attributes", """
        ALTER TABLE attempts ADD COLUMN request_cpus INTEGER;
        ALTER TABLE attempts ADD COLUMN request_memory_bytes INTEGER;
        ALTER TABLE attempts ADD COLUMN request_runtime_seconds REAL; -- NULL: no limit
        ALTER TABLE attempts ADD COLUMN wall_seconds REAL;
        ALTER TABLE attempts ADD COLUMN user_seconds REAL;
        ALTER TABLE attempts ADD COLUMN system_seconds REAL;
        ALTER TABLE attempts ADD COLUMN peak_rss_bytes INTEGER;
        ALTER TABLE workflows ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'; -- JSON object of strings
        """);
}
