namespace Baton.Stores.Postgres.Migrations;

/// <summary>
/// Committed events (docs/events.md): one row per task state change, attempt start and end, run start and end,
/// appended in the transaction of the change. PostgreSQL's sequences hand out numbers in call order, not commit
/// order, so appends take a transaction-level advisory lock (<see cref="Writing.EventAppender"/>) held to commit:
/// numbers follow commit order and are contiguous within a transaction. <c>state</c> holds the word of the kind's
/// vocabulary: a task state, an attempt outcome or a run status. No foreign keys, as in SQLite: the log is read by
/// sequence, and an event never blocks a change to what it names.
/// </summary>
internal static class V002_Events
{
    public static SchemaMigration Migration { get; } = new(2, "events", """
        CREATE TABLE events (
            seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at          text    NOT NULL,
            kind        text    NOT NULL,
            run_id      bigint,
            workflow_id bigint,
            task_id     bigint,
            attempt     integer,
            state       text,
            payload     json    NOT NULL
        );
        CREATE INDEX events_by_run ON events (run_id, seq);
        CREATE INDEX events_by_workflow ON events (workflow_id, seq);
        CREATE INDEX events_by_task ON events (task_id, seq);
        """);
}
