using System.Text.Encodings.Web;
using Baton.Core.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Security;

/// <summary>
/// Requests on the node's Unix socket come from the workspace's owner: the socket is owner-only (its file mode is
/// the check), so they are authenticated as that user with the admin scope, with no token.
/// </summary>
public sealed class SocketOwnerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SocketConnections socket)
    : ProblemAuthenticationHandler(options, logger, encoder)
{
    public const string SchemeName = "Socket";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(socket.Contains(Context)
        ? AuthenticateResult.Success(new AuthenticationTicket(BatonPrincipal.Create(Environment.UserName, TokenScope.Admin, "socket", SchemeName), SchemeName))
        : AuthenticateResult.NoResult());
}
