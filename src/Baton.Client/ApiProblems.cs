using System.Text.Json.Serialization;

namespace Baton.Client;

/// <summary>
/// The stable <c>type</c> of each problem the node's API answers (RFC 9457 problem details): clients branch on these,
/// never on the wording of <c>detail</c>.
/// </summary>
public static class ApiProblems
{
    /// <summary>A request the node refused because of what it asked (bad input, one line).</summary>
    public const string Input = "urn:baton:problem:input";

    /// <summary>A request the node could not serve because the workspace's store is damaged.</summary>
    public const string StoreDamaged = "urn:baton:problem:store-damaged";

    /// <summary>A request that names a run, task or other thing the node does not have.</summary>
    public const string NotFound = "urn:baton:problem:not-found";

    /// <summary>A request that conflicts with what the node is doing (stop while runs are active).</summary>
    public const string Conflict = "urn:baton:problem:conflict";

    /// <summary>A request with no token, or one that is unknown, revoked or expired (401).</summary>
    public const string Unauthenticated = "urn:baton:problem:unauthenticated";

    /// <summary>A request the caller's token does not allow: its scope, or another user's run (403).</summary>
    public const string Forbidden = "urn:baton:problem:forbidden";

    /// <summary>A request body larger than the server takes (413).</summary>
    public const string TooLarge = "urn:baton:problem:too-large";

    /// <summary>A request the server cannot read: malformed JSON, a body of the wrong shape, a bad parameter (400).</summary>
    public const string Malformed = "urn:baton:problem:malformed";
}

/// <summary>An RFC 9457 problem-details answer as a client reads it.</summary>
public sealed record ApiProblem
{
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("title")]
    public string? Title { get; init; }

    [JsonPropertyName("status")]
    public int? Status { get; init; }

    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    [JsonPropertyName("instance")]
    public string? Instance { get; init; }
}
