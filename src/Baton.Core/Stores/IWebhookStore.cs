using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// A workspace's webhook subscriptions and the log of their deliveries. The secret is kept (deliveries are signed with
/// it) but the API never lists it. One contract, tested by the store contract suite against every store.
/// </summary>
public interface IWebhookStore
{
    /// <summary>Records a subscription; returns it with its id.</summary>
    ValueTask<Webhook> CreateWebhookAsync(NewWebhook webhook, CancellationToken cancellationToken);

    /// <summary>Every subscription, oldest first.</summary>
    ValueTask<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken);

    /// <summary>Removes a subscription and its deliveries; false when no subscription has that id.</summary>
    ValueTask<bool> DeleteWebhookAsync(long webhookId, CancellationToken cancellationToken);

    /// <summary>Records a delivery about to be made (<see cref="WebhookDeliveryStatus.Pending"/>, no attempt yet).</summary>
    ValueTask<WebhookDelivery> AddDeliveryAsync(NewWebhookDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Records how a delivery stands after an attempt; unknown ids are ignored (the subscription was removed).</summary>
    ValueTask UpdateDeliveryAsync(WebhookDeliveryUpdate update, CancellationToken cancellationToken);

    /// <summary>The latest <paramref name="limit"/> deliveries of a subscription, newest first.</summary>
    ValueTask<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(long webhookId, int limit, CancellationToken cancellationToken);
}

/// <summary>A subscription: committed events whose name is in <paramref name="Events"/> are POSTed to <paramref name="Url"/>.</summary>
/// <param name="Events">Event names (<see cref="WebhookEvents"/>): <c>all</c>, a kind such as <c>run.ended</c>, or <c>task.STATE</c>.</param>
/// <param name="Secret">The signing secret (<c>whsec_</c> and base64, the Standard Webhooks form).</param>
public sealed record Webhook(long Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt)
{
    public bool Equals(Webhook? other) =>
        other is not null && Id == other.Id && Url == other.Url && Events.SequenceEqual(other.Events) && Secret == other.Secret && CreatedAt == other.CreatedAt;

    public override int GetHashCode() => HashCode.Combine(Id, Url, Secret, CreatedAt);
}

/// <summary>A subscription to record (<see cref="IWebhookStore.CreateWebhookAsync"/>).</summary>
public sealed record NewWebhook(string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

/// <summary>Where a delivery stands: being tried, received (a 2xx answer), or given up after its last attempt.</summary>
public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event sent to one subscription, over one or more attempts.</summary>
/// <param name="EventType">The name the delivery was sent as (<c>task.failed</c>, <c>run.ended</c>).</param>
/// <param name="LastStatusCode">The HTTP status of the last attempt; null when it got no answer.</param>
/// <param name="LastError">Why the last attempt failed, one line; null when it succeeded.</param>
public sealed record WebhookDelivery(
    long Id,
    long WebhookId,
    long EventSequence,
    string EventType,
    WebhookDeliveryStatus Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A delivery to record (<see cref="IWebhookStore.AddDeliveryAsync"/>).</summary>
public sealed record NewWebhookDelivery(long WebhookId, long EventSequence, string EventType, DateTimeOffset CreatedAt);

/// <summary>How a delivery stands after an attempt (<see cref="IWebhookStore.UpdateDeliveryAsync"/>).</summary>
public sealed record WebhookDeliveryUpdate(long DeliveryId, WebhookDeliveryStatus Status, int Attempts, int? LastStatusCode, string? LastError, DateTimeOffset At);

/// <summary>
/// The names a subscription filters on: each event kind's word (<c>task.state</c>, <c>attempt.started</c>,
/// <c>attempt.ended</c>, <c>run.started</c>, <c>run.ended</c>), <c>task.STATE</c> for a task reaching a state
/// (<c>task.failed</c>, <c>task.done</c>), and <c>all</c>.
/// </summary>
public static class WebhookEvents
{
    public const string All = "all";

    /// <summary>Every name a subscription may give.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [All, .. Enum.GetValues<EventKind>().Select(k => k.ToWord()), .. Enum.GetValues<TaskState>().Select(s => "task." + s.ToWord())];

    /// <summary>The name a delivery of <paramref name="stored"/> is sent as: <c>task.STATE</c> for a task's state, else its kind.</summary>
    public static string TypeOf(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Kind == EventKind.TaskState && stored.State is { } state ? "task." + state.ToWord() : stored.Kind.ToWord();
    }

    /// <summary>Whether a subscription to <paramref name="events"/> receives <paramref name="stored"/>.</summary>
    public static bool Matches(IReadOnlyList<string> events, StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(stored);
        return events.Contains(All) || events.Contains(stored.Kind.ToWord()) || events.Contains(TypeOf(stored));
    }

    public static string ToWord(this WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Delivered => "delivered",
        WebhookDeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static WebhookDeliveryStatus ParseStatus(string word) => word switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "delivered" => WebhookDeliveryStatus.Delivered,
        "failed" => WebhookDeliveryStatus.Failed,
        _ => throw new FormatException($"unknown delivery status '{word}'"),
    };
}
