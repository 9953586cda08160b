using Baton.Core.Errors;
using Baton.Core.Workspaces;

namespace Baton.Hosting.Api;

/// <summary>
/// Where a workspace's node is reached and what it leaves on disk: <c>node.sock</c> (its API; owner-only permissions),
/// <c>node.lock</c> (held while it lives: one node per workspace and host) and <c>logs/node.log</c>. A run that
/// embeds its node (<c>baton run --embedded</c>) serves the same API on <c>embedded/&lt;pid&gt;.sock</c> while it lives.
/// </summary>
public sealed record NodeEndpoint(string SocketPath, string LockPath, string LogPath)
{
    // sun_path holds 108 bytes, the terminating NUL included.
    private const int MaxSocketPathBytes = 107;

    public static NodeEndpoint For(WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var root = Path.GetFullPath(layout.Root);
        return new NodeEndpoint(Path.Combine(root, "node.sock"), Path.Combine(root, "node.lock"), Path.Combine(root, "logs", "node.log"));
    }

    /// <summary>The socket of the node embedded in process <paramref name="processId"/>.</summary>
    public static NodeEndpoint ForEmbedded(WorkspaceLayout layout, int processId)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var directory = Path.Combine(Path.GetFullPath(layout.Root), "embedded");
        return new NodeEndpoint(Path.Combine(directory, $"{processId}.sock"), Path.Combine(directory, $"{processId}.lock"), "");
    }

    /// <summary>The sockets where a node of the workspace may answer: the node's, then each embedded run's.</summary>
    public static IReadOnlyList<string> Sockets(WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var node = For(layout);
        var embedded = Path.GetDirectoryName(ForEmbedded(layout, 0).SocketPath)!;
        var sockets = new List<string> { node.SocketPath };
        if (Directory.Exists(embedded))
        {
            sockets.AddRange(Directory.EnumerateFiles(embedded, "*.sock").Order(StringComparer.Ordinal));
        }
        return sockets;
    }

    /// <summary>Throws a one-line error when the socket's path is longer than a Unix socket address can hold.</summary>
    public void EnsureUsable()
    {
        if (System.Text.Encoding.UTF8.GetByteCount(SocketPath) > MaxSocketPathBytes)
        {
            throw new BatonInputException($"the workspace path is too long for the node's socket '{SocketPath}' (at most {MaxSocketPathBytes} bytes); use a shorter --workspace");
        }
    }
}
