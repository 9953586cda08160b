using Baton.Core.Stores;
using Baton.Testing.Stores;

namespace Baton.Stores.Postgres.Tests;

/// <summary>The store contract, run against <see cref="PostgresStore"/>: each test on a database of its own.</summary>
public sealed class PostgresStoreContractTests : StoreContractTests, IAsyncDisposable
{
    private readonly List<string> _databases = [];

    protected override async ValueTask<IBatonStore> CreateStoreAsync(string directory, CancellationToken cancellationToken)
    {
        // The test's directory names its database: opening the same directory again opens the same data.
        var url = await PostgresServer.DatabaseAsync(directory, cancellationToken);
        if (!_databases.Contains(directory))
        {
            _databases.Add(directory);
        }
        return await PostgresStore.OpenAsync(PostgresLocation.Parse(url), cancellationToken: cancellationToken);
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        foreach (var database in _databases)
        {
            await PostgresServer.DropAsync(database);
        }
    }
}
