using System.Globalization;

namespace Baton.Client;

/// <summary>Webhook subscriptions (admin): create, list, remove, and their deliveries.</summary>
public sealed partial class NodeClient
{
    /// <summary>Creates a subscription; the answer holds its signing secret, shown this once.</summary>
    public Task<CreatedWebhook> CreateWebhookAsync(WebhookCreation creation, CancellationToken cancellationToken) =>
        PostAsync("api/v1/webhooks", creation, NodeJson.Default.WebhookCreation, NodeJson.Default.CreatedWebhook, cancellationToken);

    /// <summary>Every subscription of the workspace, never their secrets.</summary>
    public Task<IReadOnlyList<WebhookInfo>> ListWebhooksAsync(CancellationToken cancellationToken) =>
        GetAsync("api/v1/webhooks", NodeJson.Default.IReadOnlyListWebhookInfo, cancellationToken);

    /// <summary>Removes a subscription and its delivery log; a <see cref="NotFoundException"/> when there is none.</summary>
    public async Task RemoveWebhookAsync(long webhookId, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri(WebhookPath(webhookId), UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureFoundAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The latest deliveries of a subscription, newest first.</summary>
    public Task<IReadOnlyList<WebhookDeliveryInfo>> WebhookDeliveriesAsync(long webhookId, int limit, CancellationToken cancellationToken) =>
        GetAsync(WebhookPath(webhookId) + "/deliveries" + new QueryText().Add("limit", limit.ToString(CultureInfo.InvariantCulture)), NodeJson.Default.IReadOnlyListWebhookDeliveryInfo, cancellationToken);

    private static string WebhookPath(long webhookId) => string.Create(CultureInfo.InvariantCulture, $"api/v1/webhooks/{webhookId}");
}
