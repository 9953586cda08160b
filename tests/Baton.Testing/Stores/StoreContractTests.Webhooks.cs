using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>Webhook subscriptions and the log of their deliveries.</summary>
public abstract partial class StoreContractTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public async Task Webhooks_are_kept_with_their_events_and_secret_and_removed_with_their_deliveries()
    {
        await using var store = await OpenAsync();
        var failures = await store.CreateWebhookAsync(new NewWebhook("https://hooks.example/a", ["task.failed", "run.ended"], Secret, T0), Token);
        var all = await store.CreateWebhookAsync(new NewWebhook("http://127.0.0.1:9/b", ["all"], Secret + "x", T0.AddMinutes(1)), Token);

        Assert.Equal(new Webhook(failures.Id, "https://hooks.example/a", ["task.failed", "run.ended"], Secret, T0), failures);
        Assert.Equal([failures, all], await store.ListWebhooksAsync(Token));

        var delivery = await store.AddDeliveryAsync(new NewWebhookDelivery(failures.Id, 42, "task.failed", T0.AddMinutes(2)), Token);
        Assert.True(await store.DeleteWebhookAsync(failures.Id, Token));
        Assert.False(await store.DeleteWebhookAsync(failures.Id, Token));
        Assert.Equal([all], await store.ListWebhooksAsync(Token));
        Assert.Empty(await store.ListDeliveriesAsync(failures.Id, 10, Token));
        // A delivery whose subscription was removed meanwhile is ignored.
        await store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(delivery.Id, WebhookDeliveryStatus.Delivered, 1, 200, null, T0.AddMinutes(3)), Token);
    }

    [Fact]
    public async Task A_delivery_is_recorded_pending_then_updated_after_each_attempt_and_listed_newest_first()
    {
        await using var store = await OpenAsync();
        var hook = await store.CreateWebhookAsync(new NewWebhook("https://hooks.example/a", ["all"], Secret, T0), Token);
        var other = await store.CreateWebhookAsync(new NewWebhook("https://hooks.example/b", ["all"], Secret, T0), Token);

        var first = await store.AddDeliveryAsync(new NewWebhookDelivery(hook.Id, 7, "run.ended", T0.AddSeconds(1)), Token);
        var second = await store.AddDeliveryAsync(new NewWebhookDelivery(hook.Id, 9, "task.failed", T0.AddSeconds(2)), Token);
        await store.AddDeliveryAsync(new NewWebhookDelivery(other.Id, 9, "task.failed", T0.AddSeconds(2)), Token);
        Assert.Equal(new WebhookDelivery(first.Id, hook.Id, 7, "run.ended", WebhookDeliveryStatus.Pending, 0, null, null, T0.AddSeconds(1), T0.AddSeconds(1)), first);

        await store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(first.Id, WebhookDeliveryStatus.Pending, 1, 503, "the receiver answered 503", T0.AddSeconds(3)), Token);
        await store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(first.Id, WebhookDeliveryStatus.Failed, 2, null, "connection refused", T0.AddSeconds(4)), Token);
        await store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(second.Id, WebhookDeliveryStatus.Delivered, 1, 204, null, T0.AddSeconds(5)), Token);

        var listed = await store.ListDeliveriesAsync(hook.Id, 10, Token);
        Assert.Equal(
            [
                second with { Status = WebhookDeliveryStatus.Delivered, Attempts = 1, LastStatusCode = 204, UpdatedAt = T0.AddSeconds(5) },
                first with { Status = WebhookDeliveryStatus.Failed, Attempts = 2, LastError = "connection refused", UpdatedAt = T0.AddSeconds(4) },
            ],
            listed);
        Assert.Equal([second.Id], (await store.ListDeliveriesAsync(hook.Id, 1, Token)).Select(d => d.Id));
    }
}
