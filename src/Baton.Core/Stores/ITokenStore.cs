namespace Baton.Core.Stores;

/// <summary>
/// The API tokens of a server (<c>baton serve</c>): each token's name, scope and lifetime, and a hash of its secret;
/// the secret itself is never stored. One contract, tested by the store contract suite against every store.
/// </summary>
public interface ITokenStore
{
    /// <summary>
    /// Records a token. Names are unique among tokens not revoked: a second live token of the same name is a
    /// <see cref="Errors.BatonInputException"/> and nothing is written.
    /// </summary>
    ValueTask<ApiToken> CreateTokenAsync(NewApiToken token, CancellationToken cancellationToken);

    /// <summary>Every token, revoked and expired ones too, oldest first.</summary>
    ValueTask<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken);

    /// <summary>The token whose secret hashes to <paramref name="secretHash"/>, revoked or not; null when none does.</summary>
    ValueTask<ApiToken?> FindTokenAsync(string secretHash, CancellationToken cancellationToken);

    /// <summary>Revokes a token (from then on it authenticates nothing); returns it, or null when no token has that id. Revoking twice keeps the first time.</summary>
    ValueTask<ApiToken?> RevokeTokenAsync(long tokenId, DateTimeOffset now, CancellationToken cancellationToken);
}
