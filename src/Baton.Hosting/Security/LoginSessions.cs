using System.Collections.Concurrent;
using Baton.Core.Stores;

namespace Baton.Hosting.Security;

/// <summary>
/// The dashboard's browser sessions, in the server's memory (a restart logs browsers out): one-time login tickets
/// that <c>baton serve</c> prints as a URL, and the sessions <c>GET /login</c> opens. Only hashes of tickets and
/// session secrets are kept, as for tokens.
/// </summary>
public sealed class LoginSessions(TimeProvider time)
{
    /// <summary>The session cookie.</summary>
    public const string CookieName = "baton_session";

    /// <summary>A login URL works once, within this time.</summary>
    public static readonly TimeSpan TicketLifetime = TimeSpan.FromDays(1);

    /// <summary>A browser logs in again after this long.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    /// <summary>Past this many sessions, the oldest go: a flood of logins cannot exhaust memory.</summary>
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, LoginSession> _tickets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LoginSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>A one-time login ticket for <paramref name="name"/> with <paramref name="scope"/>; returns its secret.</summary>
    public string IssueTicket(string name, TokenScope scope)
    {
        var secret = TokenSecrets.NewSecret();
        _tickets[TokenSecrets.Hash(secret)] = new LoginSession(name, scope, null, time.GetUtcNow() + TicketLifetime);
        return secret;
    }

    /// <summary>Uses up the ticket <paramref name="secret"/>; null when it is unknown, used or expired.</summary>
    public LoginSession? Redeem(string secret) =>
        _tickets.TryRemove(TokenSecrets.Hash(secret), out var ticket) && ticket.ExpiresAt > time.GetUtcNow() ? ticket : null;

    /// <summary>Opens a session; returns the secret for its cookie.</summary>
    /// <param name="tokenHash">The hash of the API token the session was opened with: checked again on each request, so that revoking the token ends the session.</param>
    public string Start(string name, TokenScope scope, string? tokenHash)
    {
        var now = time.GetUtcNow();
        if (_sessions.Count >= MaxSessions)
        {
            foreach (var (key, _) in _sessions.Where(s => s.Value.ExpiresAt <= now).ToList())
            {
                _sessions.TryRemove(key, out _);
            }
            foreach (var (key, _) in _sessions.OrderBy(s => s.Value.ExpiresAt).Take(Math.Max(0, _sessions.Count - MaxSessions + 1)).ToList())
            {
                _sessions.TryRemove(key, out _);
            }
        }
        var secret = TokenSecrets.NewSecret();
        _sessions[TokenSecrets.Hash(secret)] = new LoginSession(name, scope, tokenHash, now + SessionLifetime);
        return secret;
    }

    /// <summary>The live session of a cookie's secret; null when there is none.</summary>
    public LoginSession? Find(string secret) =>
        _sessions.TryGetValue(TokenSecrets.Hash(secret), out var session) && session.ExpiresAt > time.GetUtcNow() ? session : null;
}

/// <summary>Who a login ticket or browser session is for, and until when.</summary>
public sealed record LoginSession(string Name, TokenScope Scope, string? TokenHash, DateTimeOffset ExpiresAt);
