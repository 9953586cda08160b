namespace Baton.Client;

/// <summary>
/// <c>POST /api/v1/webhooks</c>: a subscription to create. <see cref="Events"/> holds event names (<c>all</c>,
/// <c>run.ended</c>, <c>task.failed</c>...); without <see cref="Secret"/> the node makes one.
/// </summary>
public sealed record WebhookCreation(string Url)
{
    public IReadOnlyList<string> Events { get; init; } = ["all"];

    /// <summary>The signing secret, <c>whsec_</c> and base64 of 24 to 64 bytes (Standard Webhooks); null: a new one.</summary>
    public string? Secret { get; init; }
}

/// <summary>A subscription as listed: never its secret.</summary>
public sealed record WebhookInfo(long Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt);

/// <summary>The answer to a creation: the subscription and its signing secret, shown this once.</summary>
public sealed record CreatedWebhook(WebhookInfo Webhook, string Secret);

/// <summary>One delivery of an event to a subscription; <see cref="Status"/> is <c>pending</c>, <c>delivered</c> or <c>failed</c>.</summary>
public sealed record WebhookDeliveryInfo(
    long Id,
    long EventSequence,
    string EventType,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
