using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Baton.Core.Stores;
using Baton.Engine.Events;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Webhooks;

/// <summary>How deliveries are tried: attempts, back-off between them, each attempt's time limit.</summary>
public sealed record WebhookDispatchOptions
{
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The wait before the second attempt; it doubles after each failure, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight at once (a slow receiver holds one sender).</summary>
    public int Senders { get; init; } = 4;

    /// <summary>Deliveries waiting for a sender; past it a delivery is recorded failed at once rather than held.</summary>
    public int QueueLimit { get; init; } = 10_000;

    /// <summary>How long the subscriptions read from the store are reused (one added by the CLI on the store is seen after it).</summary>
    public TimeSpan SubscriptionsMaxAge { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// POSTs each committed event that a workspace's subscriptions match, signed the Standard Webhooks way. It follows the
/// node's <see cref="EventHub"/> (which never waits for a subscriber, so a slow receiver never holds a run), records
/// every delivery in the store, and retries failures with back-off before recording them failed. Deliveries still
/// pending when the node stops stay pending in the log.
/// </summary>
public sealed partial class WebhookDispatcher : IAsyncDisposable
{
    private readonly IBatonStore _store;
    private readonly EventHub _events;
    private readonly WebhookDispatchOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Channel<Outgoing> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private IReadOnlyList<Webhook> _hooks = [];
    private long _hooksReadAt;
    private volatile bool _hooksStale = true;

    public WebhookDispatcher(IBatonStore store, EventHub events, WebhookDispatchOptions options, ILogger<WebhookDispatcher> logger, TimeProvider time)
    {
        _store = store;
        _events = events;
        _options = options;
        _logger = logger;
        _time = time;
        // Redirects are not followed: a delivery goes to the URL that was registered, nowhere else.
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(options.QueueLimit) { FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>Starts following from the latest committed event: what commits from now on is delivered.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var from = await _store.LatestEventSequenceAsync(cancellationToken).ConfigureAwait(false);
        _workers.Add(Task.Run(() => FollowAsync(from, _stop.Token), CancellationToken.None));
        for (var i = 0; i < Math.Max(1, _options.Senders); i++)
        {
            _workers.Add(Task.Run(() => SendAsync(_stop.Token), CancellationToken.None));
        }
    }

    /// <summary>A subscription was added or removed: the next event reads them again.</summary>
    public void SubscriptionsChanged() => _hooksStale = true;

    private async Task FollowAsync(long from, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var stored in _events.SubscribeAsync(from, EventFilter.All, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await DispatchAsync(stored, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.DispatchFailed(_logger, stored.Sequence, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store could not be read (damaged, gone): no more deliveries from this node, and it says so.
            Log.StoppedFollowing(_logger, ex);
        }
    }

    private async Task DispatchAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        var hooks = await SubscriptionsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var hook in hooks.Where(h => WebhookEvents.Matches(h.Events, stored)))
        {
            var type = WebhookEvents.TypeOf(stored);
            var delivery = await _store.AddDeliveryAsync(new NewWebhookDelivery(hook.Id, stored.Sequence, type, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            if (!_queue.Writer.TryWrite(new Outgoing(hook, delivery, Body(stored, type))))
            {
                await _store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(delivery.Id, WebhookDeliveryStatus.Failed, 0, null, $"more than {_options.QueueLimit} deliveries were waiting: not sent", _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<Webhook>> SubscriptionsAsync(CancellationToken cancellationToken)
    {
        if (_hooksStale || _time.GetElapsedTime(_hooksReadAt) >= _options.SubscriptionsMaxAge)
        {
            _hooksStale = false;
            _hooksReadAt = _time.GetTimestamp();
            _hooks = await _store.ListWebhooksAsync(cancellationToken).ConfigureAwait(false);
        }
        return _hooks;
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var outgoing in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await DeliverAsync(outgoing, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.DeliveryNotRecorded(_logger, outgoing.Delivery.Id, outgoing.Hook.Url, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Tries one delivery until it is received or its attempts are spent, recording each attempt.</summary>
    private async Task DeliverAsync(Outgoing outgoing, CancellationToken cancellationToken)
    {
        var messageId = string.Create(CultureInfo.InvariantCulture, $"baton_{outgoing.Hook.Id}_{outgoing.Delivery.EventSequence}");
        var delay = _options.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            var (code, error) = await AttemptAsync(outgoing, messageId, cancellationToken).ConfigureAwait(false);
            var last = error is null || attempt >= _options.MaxAttempts;
            var status = error is null ? WebhookDeliveryStatus.Delivered : last ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending;
            await _store.UpdateDeliveryAsync(new WebhookDeliveryUpdate(outgoing.Delivery.Id, status, attempt, code, error, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            if (last)
            {
                if (error is not null)
                {
                    Log.DeliveryFailed(_logger, outgoing.Delivery.Id, outgoing.Hook.Url, attempt, error);
                }
                return;
            }
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    /// <summary>One POST: the status it got (null when none) and why it failed (null when it was received).</summary>
    private async Task<(int? Code, string? Error)> AttemptAsync(Outgoing outgoing, string messageId, CancellationToken cancellationToken)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, outgoing.Hook.Url)
        {
            Content = new StringContent(outgoing.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookRules.Sign(outgoing.Hook.Secret, messageId, timestamp, outgoing.Body));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.AttemptTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"the receiver answered {code}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, Core.Errors.QuotedText.OneLine(ex.Message));
        }
    }

    /// <summary>The delivery's JSON: <c>type</c>, <c>timestamp</c> and the event as <c>data</c> (docs/events.md).</summary>
    public static string Body(StoredEvent stored, string type)
    {
        ArgumentNullException.ThrowIfNull(stored);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteString("timestamp", stored.At);
            json.WriteStartObject("data");
            json.WriteNumber("sequence", stored.Sequence);
            json.WriteString("kind", stored.Kind.ToWord());
            WriteNumber(json, "run_id", stored.RunId);
            WriteNumber(json, "workflow_id", stored.WorkflowId);
            WriteNumber(json, "task_id", stored.TaskId);
            WriteNumber(json, "attempt", stored.Attempt);
            if (EventWords.StateWord(stored) is { } state)
            {
                json.WriteString("state", state);
            }
            json.WritePropertyName("payload");
            json.WriteRawValue(stored.Payload);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }

    private sealed record Outgoing(Webhook Hook, WebhookDelivery Delivery, string Body);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "webhooks: event {Sequence} was not dispatched")]
        public static partial void DispatchFailed(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "webhooks: stopped following the node's events; no more deliveries until it restarts")]
        public static partial void StoppedFollowing(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "webhooks: delivery {Delivery} to {Url} could not be recorded")]
        public static partial void DeliveryNotRecorded(ILogger logger, long delivery, string url, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: delivery {Delivery} to {Url} failed after {Attempts} attempts: {Error}")]
        public static partial void DeliveryFailed(ILogger logger, long delivery, string url, int attempts, string error);
    }
}
