using System.Net;
using Baton.Client;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Hosting.Security;
using Baton.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Dashboard.Tests;

/// <summary>
/// A real node in this process serving its API and the dashboard on loopback TCP (as <c>baton serve</c> does), in a
/// temporary workspace where <c>examples/quickstart/workflow.yaml</c> has run to its end (13 tasks done).
/// </summary>
public sealed class DashboardNode : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("baton-dashboard-");
    private BatonNode? _node;
    private NodeServer? _server;

    public const int QuickstartTasks = 13;

    public WorkspaceLayout Layout => new(_directory.Combine("ws"));

    public BatonNode Node => _node!;

    public NodeServer Server => _server!;

    /// <summary>The server's base address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address => Server.NetworkAddresses[0];

    /// <summary>A client of the node's Unix socket (the workspace owner's, admin).</summary>
    public NodeClient Client { get; private set; } = null!;

    /// <summary>The finished run of the quickstart.</summary>
    public long QuickstartRun { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        _node = await BatonNode.OpenAsync(new BatonOptions { Workspace = Layout.Root, Cpus = 4, Memory = "2G", Executor = "local" }, NullLoggerFactory.Instance, TimeProvider.System, ct);
        _server = await NodeServer.StartAsync(_node, NodeEndpoint.For(Layout), null, new NetworkListener(IPAddress.Loopback, 0), [new DashboardExtension()],
            NullLoggerFactory.Instance, TimeProvider.System, ct);
        Client = new NodeClient(NodeEndpoint.For(Layout).SocketPath);
        QuickstartRun = await RunToEndAsync(Path.Combine(RepositoryRoot(), "examples", "quickstart", "workflow.yaml"), ct);
    }

    /// <summary>Writes a workflow file next to the workspace.</summary>
    public string WriteWorkflow(string name, string yaml)
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>A path in the test's directory (outside the workspace).</summary>
    public string PathOf(string name) => _directory.Combine(name);

    /// <summary>Submits a workflow file; returns the run's id at once.</summary>
    public async Task<long> SubmitAsync(string file, CancellationToken ct) => (await Client.SubmitAsync(new RunSubmission(file), ct)).RunId;

    /// <summary>Submits a workflow file and follows its run to its end; returns the run's id.</summary>
    public async Task<long> RunToEndAsync(string file, CancellationToken ct)
    {
        var id = await SubmitAsync(file, ct);
        await foreach (var update in Client.FollowAsync(id, ct))
        {
            _ = update;
        }
        return id;
    }

    /// <summary>A token's secret, made the way <c>baton token create</c> makes it.</summary>
    public async Task<string> TokenAsync(string name, string scope, CancellationToken ct) =>
        (await new TokenService(Node.Store, TimeProvider.System).CreateAsync(name, scope, null, ct)).Secret;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("the repository root (Baton.slnx) is not above the test's directory");
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
