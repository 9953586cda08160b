using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Stores.Postgres;
using Baton.Stores.Sqlite;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Workspaces;

/// <summary>Opens a workspace's store: creating the workspace for <c>run</c>, requiring it for the other commands.</summary>
internal static class WorkspaceStore
{
    public static async Task<IBatonStore> OpenAsync(WorkspaceLayout layout, bool create, CliContext cli, CancellationToken cancellationToken)
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
        var location = StoreLocation.Resolve(cli.Store, Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable),
            WorkspaceSettings.Load(layout.Root).Store, layout.StoreFile, layout.Root);
        if (location.Kind == StoreKind.Postgres)
        {
            return await PostgresStore.OpenAsync(PostgresLocation.Parse(location.Text), cli.Loggers.CreateLogger<PostgresStore>(), cancellationToken: cancellationToken);
        }
        if (!create && !File.Exists(location.Text))
        {
            throw new BatonInputException($"no Baton workspace at '{layout.Root}' (run 'baton run FILE' first, or pass --workspace / set {WorkspaceLayout.EnvironmentVariable})");
        }
        return await SqliteStore.OpenAsync(location.Text, cli.Loggers.CreateLogger<SqliteStore>(), cancellationToken: cancellationToken);
    }
}
