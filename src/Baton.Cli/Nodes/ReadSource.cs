using Baton.Client;
using Baton.Core.Stores;
using Baton.Hosting.Queries;
using Baton.Hosting.Workspaces;

namespace Baton.Cli.Nodes;

/// <summary>
/// Where the reading commands (<c>ls</c>, <c>show</c>, <c>logs</c>, <c>runs</c>, <c>usage</c>, <c>errors</c>,
/// <c>wait --task</c>) read: a team server's API when one is set (<c>--server</c>, <c>BATON_SERVER</c>, the client
/// config file), else the workspace's store in this process (fast, and no node needed). Either way a command gets the
/// same <see cref="INodeReads"/> answers and renders them one way.
/// </summary>
internal sealed class ReadSource : IAsyncDisposable
{
    private readonly IBatonStore? _store;
    private readonly NodeClient? _client;

    private ReadSource(INodeReads reads, ITaskFiles files, IBatonStore? store, NodeClient? client)
    {
        Reads = reads;
        Files = files;
        _store = store;
        _client = client;
    }

    public INodeReads Reads { get; }

    /// <summary>The task directories' files (<c>baton download</c>).</summary>
    public ITaskFiles Files { get; }

    /// <summary>The server's API, or the store of the workspace <paramref name="workspace"/> names (not created when missing).</summary>
    public static async Task<ReadSource> OpenAsync(CliContext cli, string? workspace, CancellationToken cancellationToken)
    {
        if (cli.Remote is { } remote)
        {
            var client = remote.Connect();
            return new ReadSource(client, client, null, client);
        }
        var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(workspace), create: false, cli.Loggers, cancellationToken);
        var queries = new NodeQueries(store, null, cli.Time);
        return new ReadSource(queries, queries, store, null);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }
}
