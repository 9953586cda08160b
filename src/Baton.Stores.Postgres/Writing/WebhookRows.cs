using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>Webhook subscriptions and their deliveries: small statements, each its own transaction but the removal.</summary>
internal static class WebhookRows
{
    private const string SelectDelivery =
        "SELECT id, webhook_id, event_sequence, event_type, status, attempts, last_status, last_error, created_at, updated_at FROM webhook_deliveries";

    public static async Task<Webhook> CreateAsync(NpgsqlConnection connection, NewWebhook hook, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO webhooks (url, events, secret, created_at) VALUES ($1, $2, $3, $4) RETURNING id", connection)
            .With(hook.Url, NpgsqlDbType.Text)
            .With(string.Join(',', hook.Events), NpgsqlDbType.Text)
            .With(hook.Secret, NpgsqlDbType.Text)
            .With(StoreTime.ToText(hook.CreatedAt), NpgsqlDbType.Text);
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        return new Webhook(id, hook.Url, [.. hook.Events], hook.Secret, hook.CreatedAt);
    }

    public static async Task<IReadOnlyList<Webhook>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, url, events, secret, created_at FROM webhooks ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var hooks = new List<Webhook>();
        while (await reader.ReadAsync(cancellationToken))
        {
            hooks.Add(new Webhook(reader.GetInt64(0), reader.GetString(1), reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(3), StoreTime.Parse(reader.GetString(4))));
        }
        return hooks;
    }

    public static async Task<bool> DeleteAsync(NpgsqlConnection connection, long webhookId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var deliveries = new NpgsqlCommand("DELETE FROM webhook_deliveries WHERE webhook_id = $1", connection, transaction).With(webhookId, NpgsqlDbType.Bigint))
        {
            await deliveries.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var hook = new NpgsqlCommand("DELETE FROM webhooks WHERE id = $1", connection, transaction).With(webhookId, NpgsqlDbType.Bigint);
        var removed = await hook.ExecuteNonQueryAsync(cancellationToken) > 0;
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public static async Task<WebhookDelivery> AddDeliveryAsync(NpgsqlConnection connection, NewWebhookDelivery delivery, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO webhook_deliveries (webhook_id, event_sequence, event_type, status, attempts, created_at, updated_at)
            VALUES ($1, $2, $3, 'pending', 0, $4, $4) RETURNING id
            """, connection)
            .With(delivery.WebhookId, NpgsqlDbType.Bigint)
            .With(delivery.EventSequence, NpgsqlDbType.Bigint)
            .With(delivery.EventType, NpgsqlDbType.Text)
            .With(StoreTime.ToText(delivery.CreatedAt), NpgsqlDbType.Text);
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        return new WebhookDelivery(id, delivery.WebhookId, delivery.EventSequence, delivery.EventType, WebhookDeliveryStatus.Pending, 0, null, null, delivery.CreatedAt, delivery.CreatedAt);
    }

    public static async Task<int> UpdateDeliveryAsync(NpgsqlConnection connection, WebhookDeliveryUpdate update, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE webhook_deliveries SET status = $1, attempts = $2, last_status = $3, last_error = $4, updated_at = $5 WHERE id = $6
            """, connection)
            .With(update.Status.ToWord(), NpgsqlDbType.Text)
            .With(update.Attempts, NpgsqlDbType.Integer)
            .With(update.LastStatusCode, NpgsqlDbType.Integer)
            .With(update.LastError, NpgsqlDbType.Text)
            .With(StoreTime.ToText(update.At), NpgsqlDbType.Text)
            .With(update.DeliveryId, NpgsqlDbType.Bigint);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(NpgsqlConnection connection, long webhookId, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SelectDelivery + " WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2", connection)
            .With(webhookId, NpgsqlDbType.Bigint)
            .With(limit, NpgsqlDbType.Integer);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new WebhookDelivery(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                reader.GetString(3),
                WebhookEvents.ParseStatus(reader.GetString(4)),
                reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                StoreTime.Parse(reader.GetString(8)),
                StoreTime.Parse(reader.GetString(9))));
        }
        return rows;
    }
}
