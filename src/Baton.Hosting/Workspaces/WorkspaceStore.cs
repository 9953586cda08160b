using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Stores.Postgres;
using Baton.Stores.Sqlite;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Workspaces;

/// <summary>Opens a workspace's store: creating the workspace for <c>run</c>, requiring it for the other commands.</summary>
public static class WorkspaceStore
{
    /// <param name="store">A store location given on the command line (<c>--store</c>); else <c>BATON_STORE</c>, <c>store:</c> in settings.yaml, or the workspace's baton.db.</param>
    public static async Task<IBatonStore> OpenAsync(WorkspaceLayout layout, bool create, ILoggerFactory loggers, CancellationToken cancellationToken, string? store = null)
    {
        if (create)
        {
            try
            {
                Directory.CreateDirectory(layout.Root);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new BatonInputException($"cannot create the workspace '{layout.Root}': {ex.Message}");
            }
        }
        var location = StoreLocation.Resolve(store, Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable),
            WorkspaceSettings.Load(layout.Root).Store, layout.StoreFile, layout.Root);
        if (location.Kind == StoreKind.Postgres)
        {
            return await PostgresStore.OpenAsync(PostgresLocation.Parse(location.Text), loggers.CreateLogger<PostgresStore>(), cancellationToken: cancellationToken);
        }
        if (!create && !File.Exists(location.Text))
        {
            throw new BatonInputException($"no Baton workspace at '{layout.Root}' (run 'baton run FILE' first, or pass --workspace / set {WorkspaceLayout.EnvironmentVariable})");
        }
        return await SqliteStore.OpenAsync(location.Text, loggers.CreateLogger<SqliteStore>(), cancellationToken: cancellationToken);
    }
}
