namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Workflow versions: a workflow is its name and workflow args; each DAG it was run with is a version (a row of
/// <c>workflows</c>), numbered from 1, and the one run last is current. Listings show current versions by default;
/// tasks only older versions use stay in the store. Existing stores: rows of one name and args are numbered in
/// the order they were recorded, and the newest is current. Also each attempt's argv (what <c>baton show</c>
/// prints as the command that ran). Depends only on V001-V003.
/// </summary>
internal static class V005_WorkflowVersions
{
    public static SchemaMigration Migration { get; } = new(5, "workflow versions, attempt argv", """
        ALTER TABLE workflows ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE workflows ADD COLUMN is_current INTEGER NOT NULL DEFAULT 1;
        UPDATE workflows SET version = (
            SELECT count(*) FROM workflows w2
            WHERE w2.name = workflows.name AND w2.args_hash = workflows.args_hash AND w2.id <= workflows.id);
        UPDATE workflows SET is_current = 0
        WHERE id NOT IN (SELECT max(id) FROM workflows GROUP BY name, args_hash);
        CREATE UNIQUE INDEX workflows_current ON workflows (name, args_hash) WHERE is_current = 1;
        ALTER TABLE attempts ADD COLUMN argv TEXT; -- JSON array: the command line the attempt ran; NULL if unknown
        """);
}
