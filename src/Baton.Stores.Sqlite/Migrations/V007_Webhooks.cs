namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Webhook subscriptions (URL, event names comma-separated, signing secret) and the log of their deliveries (one row
/// per event sent to a subscription, updated after each attempt). Removing a subscription removes its deliveries.
/// </summary>
internal static class V007_Webhooks
{
    public static SchemaMigration Migration { get; } = new(7, "webhooks and their deliveries", """
        CREATE TABLE webhooks (
            id         INTEGER PRIMARY KEY,
            url        TEXT NOT NULL,
            events     TEXT NOT NULL,  -- names, comma-separated: all | run.ended | task.failed ...
            secret     TEXT NOT NULL,  -- whsec_ and base64 (Standard Webhooks)
            created_at TEXT NOT NULL
        );
        CREATE TABLE webhook_deliveries (
            id             INTEGER PRIMARY KEY,
            webhook_id     INTEGER NOT NULL,
            event_sequence INTEGER NOT NULL,
            event_type     TEXT NOT NULL,
            status         TEXT NOT NULL,  -- pending | delivered | failed
            attempts       INTEGER NOT NULL DEFAULT 0,
            last_status    INTEGER,
            last_error     TEXT,
            created_at     TEXT NOT NULL,
            updated_at     TEXT NOT NULL
        );
        CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
        """);
}
