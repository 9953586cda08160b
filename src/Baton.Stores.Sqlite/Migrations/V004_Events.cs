namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Committed events (docs/events.md): one row per task state change, attempt start and end, run start and end,
/// appended in the transaction of the change. <c>seq</c> is AUTOINCREMENT so that a number is never reused, even
/// if old events are one day pruned; SQLite's single writer makes it follow commit order. <c>state</c> holds the
/// word of the kind's vocabulary: a task state, an attempt outcome or a run status. No foreign keys: the log is
/// read by sequence, and an event never blocks a change to what it names.
/// </summary>
internal static class V004_Events
{
    public static SchemaMigration Migration { get; } = new(4, "events", """
        CREATE TABLE events (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            at          TEXT    NOT NULL,
            kind        TEXT    NOT NULL,
            run_id      INTEGER,
            workflow_id INTEGER,
            task_id     INTEGER,
            attempt     INTEGER,
            state       TEXT,
            payload     TEXT    NOT NULL -- JSON object
        );
        CREATE INDEX events_by_run ON events (run_id, seq);
        CREATE INDEX events_by_workflow ON events (workflow_id, seq);
        CREATE INDEX events_by_task ON events (task_id, seq);
        """);
}
