namespace Baton.Stores.Postgres.Migrations;

/// <summary>
/// Workflow versions, as SQLite's V005: a workflow is its name and workflow args; each DAG it was run with is a
/// version (a row of <c>workflows</c>), numbered from 1, and the one registered last is current. Existing rows of
/// one name and args are numbered in the order they were recorded, and the newest is current. Two unique indexes
/// keep concurrent registrations honest even past the registrar's lock: one current version per name and args,
/// and one row per version number. Also each attempt's argv (the command line <c>baton show</c> prints), a json
/// array kept as written so that it round-trips exactly.
/// </summary>
internal static class V004_WorkflowVersions
{
    public static SchemaMigration Migration { get; } = new(4, "workflow versions, attempt argv", """
        ALTER TABLE workflows ADD COLUMN version integer NOT NULL DEFAULT 1;
        ALTER TABLE workflows ADD COLUMN is_current boolean NOT NULL DEFAULT true;
        UPDATE workflows w SET version = n.version
        FROM (SELECT id, row_number() OVER (PARTITION BY name, args_hash ORDER BY id) AS version FROM workflows) n
        WHERE n.id = w.id AND w.version <> n.version;
        UPDATE workflows SET is_current = false
        WHERE id NOT IN (SELECT max(id) FROM workflows GROUP BY name, args_hash);
        CREATE UNIQUE INDEX workflows_current ON workflows (name, args_hash) WHERE is_current;
        CREATE UNIQUE INDEX workflows_version ON workflows (name, args_hash, version);
        ALTER TABLE attempts ADD COLUMN argv json; -- array: the command line the attempt ran; NULL if unknown
        """);
}
