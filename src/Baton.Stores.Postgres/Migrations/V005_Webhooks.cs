namespace Baton.Stores.Postgres.Migrations;

/// <summary>
/// Webhook subscriptions (URL, event names comma-separated, signing secret) and the log of their deliveries (one row
/// per event sent to a subscription, updated after each attempt). Times are text, as in V001.
/// </summary>
internal static class V005_Webhooks
{
    public static SchemaMigration Migration { get; } = new(5, "webhooks and their deliveries", """
        CREATE TABLE webhooks (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            url        text NOT NULL,
            events     text NOT NULL,
            secret     text NOT NULL,
            created_at text NOT NULL
        );
        CREATE TABLE webhook_deliveries (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            webhook_id     bigint NOT NULL,
            event_sequence bigint NOT NULL,
            event_type     text NOT NULL,
            status         text NOT NULL,
            attempts       integer NOT NULL DEFAULT 0,
            last_status    integer,
            last_error     text,
            created_at     text NOT NULL,
            updated_at     text NOT NULL
        );
        CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
        """);
}
