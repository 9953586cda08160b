using Baton.Client;
using Baton.Core.Stores;
using Baton.Hosting.Security;
using Baton.Hosting.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>/api/v1/webhooks</c> (admin): create a subscription (its secret is answered this once), list them (never a
/// secret), remove one, and read its deliveries.
/// </summary>
public static class WebhookEndpoints
{
    /// <summary>The most deliveries one listing may ask for.</summary>
    public const int MaxDeliveries = 1000;

    public static void MapWebhookApi(this IEndpointRouteBuilder app, IBatonStore store, WebhookDispatcher dispatcher, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dispatcher);
        var hooks = app.MapGroup("/api/v1/webhooks").RequireAuthorization(BatonPolicies.Admin);

        hooks.MapPost("", (WebhookCreation creation, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                var created = await WebhookRules.CreateAsync(store, creation, time, cancellationToken);
                dispatcher.SubscriptionsChanged();
                return Results.Json(created, NodeJson.Default.CreatedWebhook, statusCode: StatusCodes.Status201Created);
            })).WithName("createWebhook").WithSummary("Subscribes a URL to events; the answer holds the signing secret, shown this once");

        hooks.MapGet("", async (CancellationToken cancellationToken) =>
            TypedResults.Ok<IReadOnlyList<WebhookInfo>>((await store.ListWebhooksAsync(cancellationToken)).Select(WebhookRules.Info).ToList()))
            .WithName("listWebhooks").WithSummary("Every subscription, never its secret");

        hooks.MapDelete("/{id:long}", (long id, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                if (!await store.DeleteWebhookAsync(id, cancellationToken))
                {
                    return ReadResults.NotFound($"no webhook {id} in this workspace (see baton webhook list)");
                }
                dispatcher.SubscriptionsChanged();
                return Results.NoContent();
            })).WithName("removeWebhook").WithSummary("Removes a subscription and its delivery log");

        hooks.MapGet("/{id:long}/deliveries", (long id, int? limit, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                var count = limit ?? 100;
                if (count is < 1 or > MaxDeliveries)
                {
                    throw new Core.Errors.BatonInputException($"limit {count} is not valid: ask for 1 to {MaxDeliveries} deliveries");
                }
                if (!(await store.ListWebhooksAsync(cancellationToken)).Any(h => h.Id == id))
                {
                    return ReadResults.NotFound($"no webhook {id} in this workspace (see baton webhook list)");
                }
                var deliveries = await store.ListDeliveriesAsync(id, count, cancellationToken);
                return TypedResults.Ok<IReadOnlyList<WebhookDeliveryInfo>>(deliveries.Select(WebhookRules.Info).ToList());
            })).WithName("webhookDeliveries").WithSummary("The latest deliveries of a subscription, newest first");
    }
}
