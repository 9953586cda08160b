namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Task claims: which run (and which process: host, pid, start time) holds a task, so that several orchestrators
/// can share a workspace and each task runs once. A claim of a dead process is taken over.
/// </summary>
internal static class V003_TaskClaims
{
    public static SchemaMigration Migration { get; } = new(3, "task claims", """
        CREATE TABLE task_claims (
            task_id    INTEGER PRIMARY KEY REFERENCES tasks (id),
            run_id     INTEGER NOT NULL REFERENCES runs (id),
            host       TEXT    NOT NULL,
            pid        INTEGER NOT NULL,
            start_time INTEGER NOT NULL, -- the owner process's start time (clock ticks since boot on Linux)
            claimed_at TEXT    NOT NULL
        );
        CREATE INDEX task_claims_by_run ON task_claims (run_id);
        """);
}
