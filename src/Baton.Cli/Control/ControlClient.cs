using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Baton.Cli.Control;

/// <summary>Sends a request to the run that drives a workspace, if one is running.</summary>
internal static class ControlClient
{
    /// <summary>The run's answer, or null when no run is listening for this workspace.</summary>
    public static async Task<ControlResponse?> TrySendAsync(string workspaceRoot, ControlRequest request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(ControlProtocol.EndPointFor(workspaceRoot, request.Workflow), cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ControlJson.Default.ControlRequest) + "\n");
        await stream.WriteAsync(bytes, cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync(cancellationToken);
        // A run that accepted the connection but closed it without an answer is a run that ended meanwhile.
        return line is null
            ? new ControlResponse(null, [], "the run ended before it answered")
            : JsonSerializer.Deserialize(line, ControlJson.Default.ControlResponse);
    }
}
