using System.Net;
using Baton.Core.Errors;

namespace Baton.Client;

/// <summary>
/// The server refused the caller, not the request: no token, or one that is unknown, revoked or expired (401), or a
/// token whose scope does not allow it, or another user's run (403). A <see cref="BatonInputException"/> (one line),
/// of its own type so that a command can exit with its own code: the fix is a token, not the command.
/// </summary>
public sealed class ServerRefusedException : BatonInputException
{
    public ServerRefusedException(HttpStatusCode status, string message) : base(message) => Status = status;

    public ServerRefusedException() { }

    public ServerRefusedException(string message) : base(message) { }

    public ServerRefusedException(string message, Exception inner) : base(message, inner) { }

    /// <summary>401 or 403.</summary>
    public HttpStatusCode Status { get; }
}

/// <summary>
/// For a client of a team server: a server it cannot reach (refused connection, unknown host, a certificate it does
/// not trust) is a one-line <see cref="BatonInputException"/> naming the server, not an exception of the HTTP stack.
/// </summary>
internal sealed class ServerReachHandler(Uri server) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new BatonInputException($"cannot reach the server {server.AbsoluteUri}: {Describe(ex)}", ex);
        }
    }

    /// <summary>The message and the causes under it, without .NET's "see inner exception".</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            var message = e.Message.Replace(", see inner exception.", "", StringComparison.Ordinal).TrimEnd('.');
            if (message.Length > 0 && !parts.Contains(message))
            {
                parts.Add(message);
            }
        }
        return string.Join(": ", parts);
    }
}
