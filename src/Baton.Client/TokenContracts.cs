namespace Baton.Client;

/// <summary><c>POST /api/v1/tokens</c>: a token to create; <see cref="Scope"/> is <c>read</c>, <c>submit</c> or <c>admin</c>.</summary>
public sealed record TokenCreation(string Name, string Scope)
{
    /// <summary>How long it lives (<c>30d</c>, <c>12h</c>); null: until revoked.</summary>
    public string? Expires { get; init; }
}

/// <summary>A token as listed: never its secret.</summary>
public sealed record TokenInfo(long Id, string Name, string Scope, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>The answer to a creation: the token and its secret, shown this once.</summary>
public sealed record CreatedToken(TokenInfo Token, string Secret);
