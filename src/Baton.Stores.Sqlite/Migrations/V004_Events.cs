namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Committed events (docs/events.md): one row per task state change, attempt start and end, run start and end,
/// appended in the transaction of the change. <c>seq</c> is the row id: one past the largest, so it follows commit
/// order (SQLite has a single writer) and is never reused as long as the newest event is kept (a pruning of old
/// events must keep it). Not AUTOINCREMENT: that costs a write to sqlite_sequence per event. <c>state</c> holds the
/// word of the kind's vocabulary: a task state, an attempt outcome or a run status. No foreign keys: the log is
/// read by sequence, and an event never blocks a change to what it names. One index, by run (a run's followers
/// catch up from its start): each index costs a b-tree write per event on the group-commit path, so reads by
/// workflow or task scan the events after the sequence they start from instead.
/// </summary>
internal static class V004_Events
{
    public static SchemaMigration Migration { get; } = new(4, "events", """
        CREATE TABLE events (
            seq         INTEGER PRIMARY KEY,
            at          TEXT    NOT NULL,
            kind        TEXT    NOT NULL,
            run_id      INTEGER,
            workflow_id INTEGER,
            task_id     INTEGER,
            attempt     INTEGER,
            state       TEXT,
            payload     TEXT    NOT NULL -- JSON object
        );
        CREATE INDEX events_by_run ON events (run_id); -- entries end with the row id: (run_id, seq)
        """);
}
