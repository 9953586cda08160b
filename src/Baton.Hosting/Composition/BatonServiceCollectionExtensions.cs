using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Composition;

/// <summary>Hosting a Baton node in a .NET application: <c>services.AddBaton(o => o.Workspace = "...")</c>.</summary>
public static class BatonServiceCollectionExtensions
{
    /// <summary>
    /// Registers a Baton node composed from <see cref="BatonOptions"/>: a <see cref="NodeHost"/> hosted service opens it
    /// when the application starts and closes it (interrupting its runs) when the application stops. Resolve
    /// <see cref="NodeHost"/> and use <see cref="NodeHost.Node"/> to start runs.
    /// </summary>
    public static IServiceCollection AddBaton(this IServiceCollection services, Action<BatonOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BatonOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new NodeHost(
            sp.GetRequiredService<IOptions<BatonOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<NodeHost>());
        return services;
    }
}

/// <summary>The hosted service that owns an application's Baton node for the application's lifetime.</summary>
public sealed class NodeHost(BatonOptions options, ILoggerFactory loggers, TimeProvider time) : IHostedService, IAsyncDisposable
{
    private BatonNode? _node;

    /// <summary>The node; available once the application has started.</summary>
    public BatonNode Node => _node ?? throw new InvalidOperationException("the Baton node is not started: it opens when the host starts");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _node = await BatonNode.OpenAsync(options, loggers, time, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _node, null) is { } node)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
