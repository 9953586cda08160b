namespace Baton.Stores.Postgres.Migrations;

/// <summary>
/// API tokens of a server (<c>baton serve</c>): only the SHA-256 of each secret is kept. A token's name is unique
/// among tokens not revoked. Also who submitted each run (a token's name, or the workspace owner's user name); NULL
/// for runs recorded before. Times are text, as in V001.
/// </summary>
internal static class V003_Tokens
{
    public static SchemaMigration Migration { get; } = new(3, "API tokens, run submitters", """
        CREATE TABLE api_tokens (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text NOT NULL,
            scope       text NOT NULL,
            secret_hash text NOT NULL UNIQUE,
            created_at  text NOT NULL,
            expires_at  text,
            revoked_at  text
        );
        CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
        ALTER TABLE runs ADD COLUMN submitted_by text;
        """);
}
