using System.Security.Cryptography;
using System.Text;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;

namespace Baton.Hosting.Webhooks;

/// <summary>
/// What a subscription must be (an http(s) URL, known event names, a Standard Webhooks secret), how deliveries are
/// signed, and how a subscription is shown (never its secret). Shared by the API and the CLI on the store.
/// </summary>
public static class WebhookRules
{
    private const string SecretPrefix = "whsec_";

    /// <summary>Checks <paramref name="creation"/> and records it, making a secret when it has none.</summary>
    public static async Task<CreatedWebhook> CreateAsync(IWebhookStore store, WebhookCreation creation, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(creation);
        ArgumentNullException.ThrowIfNull(time);
        var url = CheckUrl(creation.Url);
        var events = CheckEvents(creation.Events);
        var secret = creation.Secret is { } given ? CheckSecret(given) : SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hook = await store.CreateWebhookAsync(new NewWebhook(url.AbsoluteUri, events, secret, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return new CreatedWebhook(Info(hook), secret);
    }

    public static WebhookInfo Info(Webhook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return new WebhookInfo(hook.Id, hook.Url, hook.Events, hook.CreatedAt);
    }

    public static WebhookDeliveryInfo Info(WebhookDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new WebhookDeliveryInfo(delivery.Id, delivery.EventSequence, delivery.EventType, delivery.Status.ToWord(), delivery.Attempts, delivery.LastStatusCode, delivery.LastError, delivery.CreatedAt, delivery.UpdatedAt);
    }

    /// <summary>An absolute http:// or https:// URL without credentials in it.</summary>
    public static Uri CheckUrl(string? text)
    {
        var shown = QuotedText.Escape(text ?? "");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new BatonInputException($"webhook URL '{shown}' is not an http:// or https:// address");
        }
        if (url.UserInfo.Length > 0)
        {
            throw new BatonInputException($"webhook URL '{shown}' holds a user name or password: deliveries are signed with the webhook's secret instead");
        }
        return url;
    }

    /// <summary>Known event names, each once; <c>all</c> when none is given.</summary>
    public static IReadOnlyList<string> CheckEvents(IReadOnlyList<string>? events)
    {
        var names = (events ?? []).Select(e => e.Trim()).Where(e => e.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names.Where(n => !WebhookEvents.Names.Contains(n)))
        {
            throw new BatonInputException($"'{QuotedText.Escape(name)}' is not an event name (one of: {string.Join(", ", WebhookEvents.Names)})");
        }
        return names.Count == 0 ? [WebhookEvents.All] : names;
    }

    /// <summary>A secret in the Standard Webhooks form: <c>whsec_</c> and the base64 of 24 to 64 random bytes.</summary>
    public static string CheckSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || KeyOf(secret) is not { Length: >= 24 and <= 64 })
        {
            throw new BatonInputException("a webhook secret is 'whsec_' and the base64 of 24 to 64 random bytes (leave it out and one is made)");
        }
        return secret;
    }

    /// <summary>
    /// The Standard Webhooks signature of a delivery: <c>v1,</c> and the base64 HMAC-SHA256, keyed by the secret's
    /// bytes, of <c>id.timestamp.body</c>.
    /// </summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = KeyOf(secret) ?? throw new BatonInputException("the webhook's secret is not in the whsec_ form");
        var signed = Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    private static byte[]? KeyOf(string secret)
    {
        try
        {
            return secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? Convert.FromBase64String(secret[SecretPrefix.Length..]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
