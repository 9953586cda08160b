using System.Text.Json;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Hosting.Composition;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
/// trust boundary). Started by the node process (<c>baton node serve</c>) and by a run that embeds its node.
/// </summary>
public sealed partial class NodeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NodeEndpoint _endpoint;
    private readonly CancellationTokenSource _idleWatch = new();
    private readonly Task _idle;

    private NodeServer(WebApplication app, NodeServerState state, NodeEndpoint endpoint, TimeSpan? idleTimeout)
    {
        _app = app;
        State = state;
        _endpoint = endpoint;
        _idle = idleTimeout is { } timeout ? WatchIdleAsync(timeout, _idleWatch.Token) : Task.CompletedTask;
    }

    public NodeServerState State { get; }

    /// <summary>
    /// Serves <paramref name="node"/>'s API on <paramref name="endpoint"/>'s socket, replacing a stale socket file
    /// (the caller holds the node lock, so no live node owns it). With <paramref name="idleTimeout"/>, the server asks
    /// to stop once the node has had no run and no client for that long.
    /// </summary>
    public static async Task<NodeServer> StartAsync(BatonNode node, NodeEndpoint endpoint, TimeSpan? idleTimeout, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.EnsureUsable();
        var state = new NodeServerState(node, time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, NodeJson.Default);
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(endpoint.SocketPath)!);
            File.Delete(endpoint.SocketPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BatonInputException($"cannot replace the node's socket '{endpoint.SocketPath}': {ex.Message}");
        }
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(endpoint.SocketPath));
        var app = builder.Build();
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
        app.MapNodeApi(state);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            // Only this user may talk to the node: whoever reaches the socket may run commands as them.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(endpoint.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new BatonInputException($"cannot serve the node's API on '{endpoint.SocketPath}': {ex.Message}");
        }
        return new NodeServer(app, state, endpoint, idleTimeout);
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
