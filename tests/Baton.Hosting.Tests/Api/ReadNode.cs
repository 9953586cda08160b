using Baton.Client;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Hosting.Tests.Api;

/// <summary>
/// A real node in this process (store, local executor, event hub) serving its API on a Unix socket in a temporary
/// workspace, with one finished run of a small workflow: 7 tasks that print, 2 that fail.
/// </summary>
public sealed class ReadNode : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("baton-reads-");
    private BatonNode? _node;
    private NodeServer? _server;

    public const int Steps = 7;

    public string Root => _directory.Path;

    public WorkspaceLayout Layout => new(_directory.Combine("ws"));

    public NodeClient Client { get; private set; } = null!;

    public BatonNode Node => _node!;

    /// <summary>The finished run of <c>reads</c>.</summary>
    public long RunId { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        _node = await BatonNode.OpenAsync(new BatonOptions { Workspace = Layout.Root, Cpus = 2, Memory = "1G", Executor = "local" }, NullLoggerFactory.Instance, TimeProvider.System, ct);
        _server = await NodeServer.StartAsync(_node, NodeEndpoint.For(Layout), null, NullLoggerFactory.Instance, TimeProvider.System, ct);
        Client = new NodeClient(NodeEndpoint.For(Layout).SocketPath);
        var file = WriteWorkflow("reads.yaml", $$"""
            name: reads
            defaults:
              max_attempts: 1
            templates:
              step:
                command: sh -c 'printf "out %s\n" "$1"; printf "err %s\n" "$1" >&2' sh {i}
                node_args: [i]
              fail:
                command: sh -c 'echo "boom at line $1" >&2; exit 3' sh {i}
                node_args: [i]
            tasks:
              - name: step-{i}
                template: step
                foreach: { i: [{{string.Join(", ", Enumerable.Range(1, Steps))}}] }
              - name: fail-{i}
                template: fail
                foreach: { i: [1, 2] }
            """);
        RunId = await RunToEndAsync(file, ct);
    }

    /// <summary>Writes a workflow file next to the workspace.</summary>
    public string WriteWorkflow(string name, string yaml)
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Submits a workflow file and follows its run to its end; returns the run's id.</summary>
    public async Task<long> RunToEndAsync(string file, CancellationToken ct)
    {
        var accepted = await Client.SubmitAsync(new RunSubmission(file), ct);
        await foreach (var update in Client.FollowAsync(accepted.RunId, ct))
        {
            _ = update;
        }
        return accepted.RunId;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
        _directory.Dispose();
    }
}
