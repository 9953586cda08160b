using Baton.Client;
using Baton.Core.Errors;

namespace Baton.Cli.Nodes;

/// <summary>
/// A team server (<c>baton serve</c>) that commands talk to instead of the workspace's own nodes: from
/// <c>--server</c>/<c>--token</c>, else <c>BATON_SERVER</c>/<c>BATON_TOKEN</c>, else the client config file
/// (<see cref="ClientConfigFile"/>). The token is a secret: it never appears in <see cref="ToString"/>.
/// </summary>
internal sealed record RemoteServer(Uri Address, string? Token)
{
    public const string ServerVariable = "BATON_SERVER";
    public const string TokenVariable = "BATON_TOKEN";

    /// <summary>Where the server was named: <c>--server</c>, <c>BATON_SERVER</c> or the client config file's path.</summary>
    public string Source { get; init; } = "--server";

    /// <summary>
    /// The server commands should use; null when none is set (commands then reach the workspace's nodes).
    /// </summary>
    /// <param name="server">The <c>--server</c> option's value.</param>
    /// <param name="token">The <c>--token</c> option's value.</param>
    /// <param name="environment">Reads an environment variable (the process's, or a test's).</param>
    public static RemoteServer? Resolve(string? server, string? token, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (serverText, serverSource) = NonEmpty(server) is { } s ? (s, "--server")
            : NonEmpty(environment(ServerVariable)) is { } e ? (e, ServerVariable)
            : (null, null);
        token = NonEmpty(token) ?? NonEmpty(environment(TokenVariable));
        var file = ClientConfigFile.Load(environment);
        if (serverText is null)
        {
            return file?.Server is { } fileServer ? new RemoteServer(ParseAddress(fileServer, file.Path), token ?? file.Token) { Source = file.Path } : null;
        }
        var address = ParseAddress(serverText, serverSource!);
        // The file's token is only ever sent to the file's server, never to one named elsewhere.
        if (token is null && file?.Server is { } configured && ParseAddress(configured, file.Path) == address)
        {
            token = file.Token;
        }
        return new RemoteServer(address, token) { Source = serverSource! };
    }

    /// <summary>A client of the server; the caller disposes it.</summary>
    public NodeClient Connect() => new(Address, Token);

    /// <summary>An http:// or https:// URL with no user name or password in it (tokens go in <c>BATON_TOKEN</c>).</summary>
    internal static Uri ParseAddress(string text, string source)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new BatonInputException($"{source}: server '{QuotedText.Shorten(QuotedText.Escape(text))}' must be an http:// or https:// URL such as https://baton.example.org:8443");
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new BatonInputException($"{source}: the server URL must have no user, query or fragment (the token goes in {TokenVariable} or --token)");
        }
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Address = ").Append(Address).Append(", Token = ").Append(Token is null ? "none" : "***").Append(", Source = ").Append(Source);
        return true;
    }
}
