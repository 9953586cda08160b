using Baton.Client;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;

namespace Baton.Cli.Nodes;

/// <summary>
/// The nodes a command can reach in a workspace: the workspace's node (<c>node.sock</c>) and every run that embeds
/// its node. Control requests (kill, set, limit, resources) go to each of them; each answers for its own runs.
/// </summary>
internal static class NodeConnections
{
    /// <summary>A client of the workspace's node, with its status; null when no node serves the workspace.</summary>
    public static async Task<(NodeClient Client, NodeStatus Status)?> NodeAsync(WorkspaceLayout layout, CancellationToken cancellationToken)
    {
        var client = new NodeClient(NodeEndpoint.For(layout).SocketPath);
        if (await client.TryStatusAsync(cancellationToken) is { } status)
        {
            return (client, status);
        }
        client.Dispose();
        return null;
    }

    /// <summary>Clients of every node that answers in the workspace; the caller disposes them.</summary>
    public static async Task<IReadOnlyList<NodeClient>> AllAsync(WorkspaceLayout layout, CancellationToken cancellationToken)
    {
        var answering = new List<NodeClient>();
        foreach (var socket in NodeEndpoint.Sockets(layout))
        {
            var client = new NodeClient(socket);
            if (await client.TryStatusAsync(cancellationToken) is not null)
            {
                answering.Add(client);
                continue;
            }
            client.Dispose();
            ForgetIfDead(socket);
        }
        return answering;
    }

    /// <summary>
    /// Asks every node of the workspace in turn; returns the answer of the one whose run handled the request (the
    /// one that drives the workflow), or null when no live run of the workflow is in any node.
    /// </summary>
    public static async Task<TaskResponse?> AskAsync(WorkspaceLayout layout, Func<NodeClient, Task<TaskResponse>> ask, CancellationToken cancellationToken)
    {
        var clients = await AllAsync(layout, cancellationToken);
        try
        {
            foreach (var client in clients)
            {
                var response = await ask(client);
                if (response.Handled)
                {
                    return response;
                }
            }
            return null;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>An embedded run that died (SIGKILL) leaves its socket file: removed once its process is gone.</summary>
    private static void ForgetIfDead(string socket)
    {
        if (Path.GetFileName(Path.GetDirectoryName(socket)) != "embedded" || !int.TryParse(Path.GetFileNameWithoutExtension(socket), out var pid))
        {
            return;
        }
        if (!Directory.Exists($"/proc/{pid}"))
        {
            try
            {
                File.Delete(socket);
            }
            catch (IOException)
            {
            }
        }
    }
}
