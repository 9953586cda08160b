using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Webhook subscriptions and their deliveries: small writes on the write connection, reads on their own.</summary>
internal static class WebhookRows
{
    private const string SelectDelivery =
        "SELECT id, webhook_id, event_sequence, event_type, status, attempts, last_status, last_error, created_at, updated_at FROM webhook_deliveries";

    public static Webhook Create(SqliteConnection connection, NewWebhook hook)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO webhooks (url, events, secret, created_at) VALUES (@url, @events, @secret, @at) RETURNING id";
        insert.Parameters.AddWithValue("@url", hook.Url);
        insert.Parameters.AddWithValue("@events", string.Join(',', hook.Events));
        insert.Parameters.AddWithValue("@secret", hook.Secret);
        insert.Parameters.AddWithValue("@at", StoreTime.ToText(hook.CreatedAt));
        return new Webhook((long)insert.ExecuteScalar()!, hook.Url, [.. hook.Events], hook.Secret, hook.CreatedAt);
    }

    public static IReadOnlyList<Webhook> List(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, url, events, secret, created_at FROM webhooks ORDER BY id";
        using var reader = command.ExecuteReader();
        var hooks = new List<Webhook>();
        while (reader.Read())
        {
            hooks.Add(new Webhook(reader.GetInt64(0), reader.GetString(1), reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(3), StoreTime.Parse(reader.GetString(4))));
        }
        return hooks;
    }

    public static bool Delete(SqliteConnection connection, long webhookId)
    {
        using var transaction = connection.BeginTransaction();
        using var deliveries = connection.CreateCommand();
        deliveries.Transaction = transaction;
        deliveries.CommandText = "DELETE FROM webhook_deliveries WHERE webhook_id = @id";
        deliveries.Parameters.AddWithValue("@id", webhookId);
        deliveries.ExecuteNonQuery();
        using var hook = connection.CreateCommand();
        hook.Transaction = transaction;
        hook.CommandText = "DELETE FROM webhooks WHERE id = @id";
        hook.Parameters.AddWithValue("@id", webhookId);
        var removed = hook.ExecuteNonQuery() > 0;
        transaction.Commit();
        return removed;
    }

    public static WebhookDelivery AddDelivery(SqliteConnection connection, NewWebhookDelivery delivery)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO webhook_deliveries (webhook_id, event_sequence, event_type, status, attempts, created_at, updated_at)
            VALUES (@hook, @sequence, @type, 'pending', 0, @at, @at) RETURNING id
            """;
        insert.Parameters.AddWithValue("@hook", delivery.WebhookId);
        insert.Parameters.AddWithValue("@sequence", delivery.EventSequence);
        insert.Parameters.AddWithValue("@type", delivery.EventType);
        insert.Parameters.AddWithValue("@at", StoreTime.ToText(delivery.CreatedAt));
        var id = (long)insert.ExecuteScalar()!;
        return new WebhookDelivery(id, delivery.WebhookId, delivery.EventSequence, delivery.EventType, WebhookDeliveryStatus.Pending, 0, null, null, delivery.CreatedAt, delivery.CreatedAt);
    }

    public static int UpdateDelivery(SqliteConnection connection, WebhookDeliveryUpdate update)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE webhook_deliveries SET status = @status, attempts = @attempts, last_status = @code, last_error = @error, updated_at = @at
            WHERE id = @id
            """;
        command.Parameters.AddWithValue("@status", update.Status.ToWord());
        command.Parameters.AddWithValue("@attempts", update.Attempts);
        command.Parameters.AddWithValue("@code", update.LastStatusCode is { } code ? code : DBNull.Value);
        command.Parameters.AddWithValue("@error", update.LastError is { } error ? error : DBNull.Value);
        command.Parameters.AddWithValue("@at", StoreTime.ToText(update.At));
        command.Parameters.AddWithValue("@id", update.DeliveryId);
        return command.ExecuteNonQuery();
    }

    public static IReadOnlyList<WebhookDelivery> Deliveries(SqliteConnection connection, long webhookId, int limit)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SelectDelivery + " WHERE webhook_id = @hook ORDER BY id DESC LIMIT @limit";
        command.Parameters.AddWithValue("@hook", webhookId);
        command.Parameters.AddWithValue("@limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<WebhookDelivery>();
        while (reader.Read())
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
