using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Core.Errors;
using Baton.Core.Resources;
using Baton.Core.Stores;

namespace Baton.Hosting.Security;

/// <summary>
/// Creating, listing, revoking and checking API tokens over a store: what <c>baton token</c> does on a workspace
/// and what <c>/api/v1/tokens</c> does on a server. Mistakes are one-line <see cref="BatonInputException"/>s.
/// </summary>
public sealed partial class TokenService(ITokenStore store, TimeProvider time)
{
    /// <summary>Creates a token; returns it and its secret, which is never shown or kept again.</summary>
    /// <param name="expires">A duration such as <c>30d</c> or <c>12h</c>; null: never expires.</param>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(string name, string scope, string? expires, CancellationToken cancellationToken)
    {
        CheckName(name);
        if (!TokenScopeWords.TryParse(scope, out var parsed))
        {
            throw new BatonInputException($"scope '{QuotedText.Shorten(QuotedText.Escape(scope ?? ""))}' is not known (known: read, submit, admin)");
        }
        var now = time.GetUtcNow();
        DateTimeOffset? expiresAt = null;
        if (expires is not null)
        {
            if (!ResourceParser.TryParseRuntime(expires, out var lifetime, out var error) || lifetime <= TimeSpan.Zero)
            {
                throw new BatonInputException($"--expires '{QuotedText.Shorten(QuotedText.Escape(expires))}': {(error.Length > 0 ? error : "must be positive")} (e.g. 30d, 12h)");
            }
            expiresAt = now + lifetime;
        }
        var secret = TokenSecrets.NewSecret();
        var token = await store.CreateTokenAsync(new NewApiToken(name, parsed, TokenSecrets.Hash(secret), now, expiresAt), cancellationToken).ConfigureAwait(false);
        return (token, secret);
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken) =>
        await store.ListTokensAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Revokes the live token named <paramref name="nameOrId"/> (or of that id).</summary>
    public async Task<ApiToken> RevokeAsync(string nameOrId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        var tokens = await store.ListTokensAsync(cancellationToken).ConfigureAwait(false);
        var found = long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? tokens.FirstOrDefault(t => t.Id == id)
            : tokens.FirstOrDefault(t => t.Name == nameOrId && t.RevokedAt is null);
        if (found is null)
        {
            throw new BatonInputException($"no token '{QuotedText.Shorten(QuotedText.Escape(nameOrId))}' to revoke (see 'baton token list')");
        }
        return await store.RevokeTokenAsync(found.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false) ?? found;
    }

    /// <summary>The token <paramref name="secret"/> belongs to, when it is neither revoked nor expired; else null.</summary>
    public async Task<ApiToken?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(TokenSecrets.Prefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }
        var token = await store.FindTokenAsync(TokenSecrets.Hash(secret), cancellationToken).ConfigureAwait(false);
        // The store found it by its hash; comparing again in constant time costs nothing and keeps the rule simple.
        return token is not null && TokenSecrets.Matches(secret, token.SecretHash) && token.IsValidAt(time.GetUtcNow()) ? token : null;
    }

    /// <summary>Names are what runs record as their submitter: short, printable, and never all digits (ids are).</summary>
    private static void CheckName(string name)
    {
        if (name is null || !NamePattern().IsMatch(name) || name.All(char.IsAsciiDigit))
        {
            throw new BatonInputException($"token name '{QuotedText.Shorten(QuotedText.Escape(name ?? ""))}' must be 1 to 64 letters, digits, '.', '_', '-' or '@', not only digits");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex NamePattern();
}
