namespace Baton.Core.Stores;

/// <summary>What a token may do; each scope includes those below it.</summary>
public enum TokenScope
{
    /// <summary>List and show runs, tasks, logs, events.</summary>
    Read = 1,

    /// <summary>Also submit runs, and kill, interrupt or change the runs its owner submitted.</summary>
    Submit = 2,

    /// <summary>Also everything on every run, stop the node, manage tokens.</summary>
    Admin = 3,
}

/// <summary>A token as stored: its secret's hash, never the secret.</summary>
/// <param name="Name">Who uses it; runs it submits are recorded as submitted by this name.</param>
/// <param name="SecretHash">The SHA-256 of the secret, in lowercase hex.</param>
public sealed record ApiToken(
    long Id,
    string Name,
    TokenScope Scope,
    string SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>Neither revoked nor expired at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } expires || now < expires);
}

/// <summary>A token to record (<see cref="ITokenStore.CreateTokenAsync"/>).</summary>
public sealed record NewApiToken(string Name, TokenScope Scope, string SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>Scopes as the words users type and stores keep: <c>read</c>, <c>submit</c>, <c>admin</c>.</summary>
public static class TokenScopeWords
{
    public static string ToWord(this TokenScope scope) => scope switch
    {
        TokenScope.Read => "read",
        TokenScope.Submit => "submit",
        TokenScope.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "not a token scope"),
    };

    /// <summary>The scope a word names; false for any other word.</summary>
    public static bool TryParse(string? word, out TokenScope scope)
    {
        (var known, scope) = word switch
        {
            "read" => (true, TokenScope.Read),
            "submit" => (true, TokenScope.Submit),
            "admin" => (true, TokenScope.Admin),
            _ => (false, default),
        };
        return known;
    }
}
