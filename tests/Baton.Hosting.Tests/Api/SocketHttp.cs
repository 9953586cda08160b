using System.Net.Sockets;

namespace Baton.Hosting.Tests.Api;

/// <summary>A plain HTTP client of a node's Unix socket, for requests the typed client would never send.</summary>
internal static class SocketHttp
{
    public static HttpClient Create(string socketPath) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://baton-node/") };
}
