using Baton.Core.Stores;
using Baton.Testing.Stores;

namespace Baton.Stores.Sqlite.Tests;

/// <summary>The store contract, run against <see cref="SqliteStore"/>.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    protected override async ValueTask<IBatonStore> CreateStoreAsync(string directory, CancellationToken cancellationToken) =>
        await SqliteStore.OpenAsync(Path.Combine(directory, "baton.db"), cancellationToken: cancellationToken);
}
