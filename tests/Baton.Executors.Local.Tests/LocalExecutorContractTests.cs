using Baton.Core.Executors;
using Baton.Testing.Executors;

namespace Baton.Executors.Local.Tests;

/// <summary>The executor contract, with default options (the shared supervisor process).</summary>
public sealed class LocalExecutorContractTests : ExecutorContractTests
{
    protected override IExecutor CreateExecutor() =>
        new LocalExecutor(new LocalExecutorOptions { KillGracePeriod = TimeSpan.FromSeconds(2) });
}
