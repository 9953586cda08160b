namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// The first schema. Times are ISO-8601 UTC text with 7 fractional digits (fixed width, so text order is time
/// order and values round-trip to the tick); states, reasons and outcomes are the words of
/// <c>LifecycleNames</c>, so that the database reads well in the sqlite3 CLI.
/// </summary>
internal static class V001_Initial
{
    public static SchemaMigration Migration { get; } = new(1, "initial schema", """
        CREATE TABLE workflows (
            id            INTEGER PRIMARY KEY,
            name          TEXT    NOT NULL,
            workflow_args TEXT    NOT NULL, -- JSON object, keys sorted
            args_hash     TEXT    NOT NULL, -- SHA-256 of workflow_args
            dag_hash      TEXT    NOT NULL,
            source_file   TEXT    NOT NULL,
            created_at    TEXT    NOT NULL,
            UNIQUE (name, args_hash, dag_hash)
        );

        CREATE TABLE runs (
            id          INTEGER PRIMARY KEY,
            workflow_id INTEGER NOT NULL REFERENCES workflows (id),
            status      TEXT    NOT NULL,
            started_at  TEXT    NOT NULL,
            ended_at    TEXT,
            host        TEXT    NOT NULL,
            pid         INTEGER NOT NULL
        );
        CREATE INDEX runs_by_workflow ON runs (workflow_id);

        CREATE TABLE tasks (
            id              INTEGER PRIMARY KEY,
            identity        TEXT    NOT NULL UNIQUE,
            template        TEXT    NOT NULL,
            state           TEXT    NOT NULL,
            reason          TEXT    NOT NULL DEFAULT '',
            message         TEXT,
            attempt_count   INTEGER NOT NULL DEFAULT 0,
            max_attempts    INTEGER NOT NULL,
            priority        INTEGER NOT NULL,
            cpus            INTEGER NOT NULL,
            memory_bytes    INTEGER NOT NULL,
            runtime_seconds INTEGER,          -- NULL: no limit
            directory       TEXT    NOT NULL,
            params          TEXT    NOT NULL, -- params.json
            updated_at      TEXT    NOT NULL  -- when the state last changed
        );
        CREATE INDEX tasks_by_state ON tasks (state);
        CREATE INDEX tasks_by_template ON tasks (template);

        -- A task may belong to several workflows, under a name (and tags, attributes) of each.
        CREATE TABLE workflow_tasks (
            workflow_id INTEGER NOT NULL REFERENCES workflows (id),
            ordinal     INTEGER NOT NULL, -- index in the workflow graph: listings keep declaration order
            task_id     INTEGER NOT NULL REFERENCES tasks (id),
            name        TEXT    NOT NULL,
            tags        TEXT    NOT NULL, -- JSON array of strings
            attributes  TEXT    NOT NULL, -- JSON object of strings
            PRIMARY KEY (workflow_id, ordinal),
            UNIQUE (workflow_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX workflow_tasks_by_task ON workflow_tasks (task_id);

        CREATE TABLE edges (
            workflow_id        INTEGER NOT NULL REFERENCES workflows (id),
            downstream_task_id INTEGER NOT NULL REFERENCES tasks (id),
            upstream_task_id   INTEGER NOT NULL REFERENCES tasks (id),
            PRIMARY KEY (workflow_id, downstream_task_id, upstream_task_id)
        ) WITHOUT ROWID;

        CREATE TABLE attempts (
            task_id     INTEGER NOT NULL REFERENCES tasks (id),
            number      INTEGER NOT NULL,
            run_id      INTEGER NOT NULL REFERENCES runs (id),
            executor    TEXT    NOT NULL,
            executor_id TEXT    NOT NULL,
            host        TEXT    NOT NULL,
            pid         INTEGER,
            directory   TEXT    NOT NULL,
            started_at  TEXT    NOT NULL,
            ended_at    TEXT,
            outcome     TEXT,
            exit_code   INTEGER,
            message     TEXT,
            PRIMARY KEY (task_id, number)
        ) WITHOUT ROWID;

        CREATE TABLE state_history (
            id      INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks (id),
            run_id  INTEGER REFERENCES runs (id), -- NULL: set outside a run (registration)
            state   TEXT    NOT NULL,
            reason  TEXT    NOT NULL,
            message TEXT,
            at      TEXT    NOT NULL
        );
        CREATE INDEX state_history_by_task ON state_history (task_id);
        """);
}
