namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// API tokens of a server (<c>baton serve</c>): only the SHA-256 of each secret is kept. A token's name is unique
/// among tokens not revoked. Also who submitted each run (a token's name, or the workspace owner's user name); NULL
/// for runs recorded before. Depends only on V001.
/// </summary>
internal static class V006_Tokens
{
    public static SchemaMigration Migration { get; } = new(6, "API tokens, run submitters", """
        CREATE TABLE api_tokens (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            scope       TEXT NOT NULL,  -- read | submit | admin
            secret_hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the secret, lowercase hex
            created_at  TEXT NOT NULL,
            expires_at  TEXT,
            revoked_at  TEXT
        );
        CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
        ALTER TABLE runs ADD COLUMN submitted_by TEXT;
        """);
}
