using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Baton.Hosting.Security;

/// <summary>
/// The connections open on the node's Unix socket, by connection id: Kestrel's listener for the socket records
/// each one as it opens, so a request is known to come from the socket by where it was accepted, never by what it says.
/// </summary>
public sealed class SocketConnections
{
    private readonly ConcurrentDictionary<string, byte> _open = new(StringComparer.Ordinal);

    /// <summary>Records the connections <paramref name="listen"/> (the socket's listener) accepts while they are open.</summary>
    public void Track(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Use(next => async connection =>
        {
            _open[connection.ConnectionId] = 0;
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                _open.TryRemove(connection.ConnectionId, out _);
            }
        });
    }

    /// <summary>Whether <paramref name="context"/> came over the Unix socket.</summary>
    public bool Contains(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _open.ContainsKey(context.Connection.Id);
    }
}
