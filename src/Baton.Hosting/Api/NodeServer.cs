using System.Text.Json;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Hosting.Composition;
using System.Net;
using Baton.Core.Stores;
using Baton.Hosting.Security;
using Baton.Hosting.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Api;

/// <summary>What the API's handlers share: the node, the clock, and the way to ask the node to stop.</summary>
public sealed class NodeServerState(BatonNode node, TimeProvider time)
{
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requestsInFlight;
    private long _lastActivity = time.GetTimestamp();

    public BatonNode Node => node;

    public TimeProvider Time => time;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>Completes when the node was asked to stop (<c>baton node stop</c>, or idle long enough).</summary>
    public Task StopRequested => _stop.Task;

    public void RequestStop() => _stop.TrySetResult();

    internal void RequestStarted()
    {
        Interlocked.Increment(ref _requestsInFlight);
        Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());
    }

    internal void RequestEnded()
    {
        Interlocked.Decrement(ref _requestsInFlight);
        Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());
    }

    /// <summary>No run, no request in flight (a client following a run holds one), for at least <paramref name="idle"/>.</summary>
    internal bool IdleFor(TimeSpan idle) =>
        Volatile.Read(ref _requestsInFlight) == 0
        && node.Engine.ActiveRuns.Count == 0
        && time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) >= idle;
}

/// <summary>
/// The node's API served by Kestrel on the workspace's Unix socket (owner-only permissions: the socket is the local
/// trust boundary), and for <c>baton serve</c> on TCP too, where every request needs a token (Security/). Started by
/// the node process (<c>baton node serve</c>, <c>baton serve</c>) and by a run that embeds its node.
/// </summary>
public sealed partial class NodeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NodeEndpoint _endpoint;
    private readonly CancellationTokenSource _idleWatch = new();
    private readonly Task _idle;
    private readonly WebhookDispatcher _webhooks;

    private NodeServer(WebApplication app, NodeServerState state, NodeEndpoint endpoint, TimeSpan? idleTimeout, WebhookDispatcher webhooks)
    {
        _app = app;
        _webhooks = webhooks;
        State = state;
        _endpoint = endpoint;
        _idle = idleTimeout is { } timeout ? WatchIdleAsync(timeout, _idleWatch.Token) : Task.CompletedTask;
    }

    public NodeServerState State { get; }

    /// <summary>The TCP addresses the server listens on (<c>http://127.0.0.1:8080</c>); none when on the socket only.</summary>
    public IReadOnlyList<Uri> NetworkAddresses { get; private init; } = [];

    /// <summary>A one-time login link for the dashboard (<c>/login?token=...</c>) as the workspace's owner; null when on the socket only.</summary>
    public Uri? NewLoginLink()
    {
        if (NetworkAddresses is not [var address, ..])
        {
            return null;
        }
        var ticket = _app.Services.GetRequiredService<LoginSessions>().IssueTicket(Environment.UserName, TokenScope.Admin);
        return new Uri(address, $"{LoginEndpoint.Path.TrimStart('/')}?token={Uri.EscapeDataString(ticket)}");
    }

    /// <summary>
    /// Serves <paramref name="node"/>'s API on <paramref name="endpoint"/>'s socket, replacing a stale socket file
    /// (the caller holds the node lock, so no live node owns it). With <paramref name="idleTimeout"/>, the server asks
    /// to stop once the node has had no run and no client for that long.
    /// </summary>
    public static Task<NodeServer> StartAsync(BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        StartAsync(node, endpoint, idleTimeout, null, loggers, time, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(BatonNode, NodeEndpoint, TimeSpan?, ILoggerFactory, TimeProvider, CancellationToken)"/>,
    /// and on <paramref name="network"/> too when set (TLS when it has a certificate).
    /// </summary>
    public static Task<NodeServer> StartAsync(
        BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, NetworkListener? network, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        StartAsync(node, endpoint, idleTimeout, network, [], new WebhookDispatchOptions(), loggers, time, cancellationToken);

    /// <summary>As above, with <paramref name="extensions"/> (the dashboard) adding their services and endpoints behind the same authentication.</summary>
    public static Task<NodeServer> StartAsync(
        BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, NetworkListener? network, IReadOnlyList<INodeServerExtension> extensions,
        ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        StartAsync(node, endpoint, idleTimeout, network, extensions, new WebhookDispatchOptions(), loggers, time, cancellationToken);

    /// <summary>As above, with webhook deliveries tried as <paramref name="webhooks"/> says.</summary>
    public static Task<NodeServer> StartAsync(
        BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, NetworkListener? network, WebhookDispatchOptions webhooks, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        StartAsync(node, endpoint, idleTimeout, network, [], webhooks, loggers, time, cancellationToken);

    /// <summary>
    /// The node's API on its socket (and <paramref name="network"/>), with <paramref name="extensions"/> and webhook
    /// deliveries as <paramref name="webhooks"/> says.
    /// </summary>
    public static async Task<NodeServer> StartAsync(
        BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, NetworkListener? network, IReadOnlyList<INodeServerExtension> extensions,
        WebhookDispatchOptions webhooks, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.EnsureUsable();
        var state = new NodeServerState(node, time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<ITokenStore>(node.Store);
        var socketConnections = new SocketConnections();
        builder.Services.AddBatonSecurity(socketConnections);
        builder.Services.AddApiDocument();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = RequestProblems.Customize);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, NodeJson.Default);
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        foreach (var extension in extensions)
        {
            extension.ConfigureServices(builder.Services);
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(endpoint.SocketPath)!);
            File.Delete(endpoint.SocketPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BatonInputException($"cannot replace the node's socket '{endpoint.SocketPath}': {ex.Message}");
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(endpoint.SocketPath, socketConnections.Track);
            k.Limits.MaxRequestBodySize = network?.MaxRequestBodyBytes ?? new NetworkListener(IPAddress.Loopback, 0).MaxRequestBodyBytes;
            if (network is not null)
            {
                k.Listen(network.Address, network.Port, listen => ServerCertificate.Apply(listen, network));
            }
        });
        var app = builder.Build();
        if (network is { BehindProxy: true })
        {
            // Only a proxy on this machine (loopback, the default) is believed: a client cannot claim to be one.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.All });
        }
        app.Use(async (context, next) =>
        {
            state.RequestStarted();
            try
            {
                await next(context);
            }
            finally
            {
                state.RequestEnded();
            }
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseBodyLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapNodeApi(state);
        app.MapTokenApi();
        var dispatcher = new WebhookDispatcher(node.Store, node.Engine.Events, webhooks, loggers.CreateLogger<WebhookDispatcher>(), time);
        app.MapWebhookApi(node.Store, dispatcher, time);
        app.MapHealth(state);
        app.MapLogin();
        app.MapApiDocument();
        foreach (var extension in extensions)
        {
            extension.Map(app, state);
        }
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await dispatcher.StartAsync(cancellationToken).ConfigureAwait(false);
            // Only this user may talk to the node: whoever reaches the socket may run commands as them.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(endpoint.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await dispatcher.DisposeAsync().ConfigureAwait(false);
            throw new BatonInputException($"cannot serve the node's API on '{endpoint.SocketPath}'{(network is null ? "" : $" and {network.Address}:{network.Port}")}: {ex.Message}");
        }
        return new NodeServer(app, state, endpoint, idleTimeout, dispatcher) { NetworkAddresses = NetworkAddressesOf(app, network) };
    }

    /// <summary>The TCP addresses Kestrel bound (a port 0 resolved), with a host a client can use for "every interface".</summary>
    private static List<Uri> NetworkAddressesOf(WebApplication app, NetworkListener? network)
    {
        if (network is null)
        {
            return [];
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return bound.Where(a => !a.StartsWith("http://unix:", StringComparison.Ordinal) && !a.StartsWith("https://unix:", StringComparison.Ordinal))
            .Select(a => new Uri(a.Replace("//[::]:", "//localhost:", StringComparison.Ordinal).Replace("//0.0.0.0:", "//localhost:", StringComparison.Ordinal)))
            .ToList();
    }

    private async Task WatchIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(every, State.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (State.IdleFor(timeout))
                {
                    State.RequestStop();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops serving (answers in flight are finished, followers see the end) and removes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _idleWatch.CancelAsync().ConfigureAwait(false);
        await _idle.ConfigureAwait(false);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(patience.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        await _webhooks.DisposeAsync().ConfigureAwait(false);
        try
        {
            File.Delete(_endpoint.SocketPath);
        }
        catch (IOException)
        {
        }
        _idleWatch.Dispose();
    }
}
