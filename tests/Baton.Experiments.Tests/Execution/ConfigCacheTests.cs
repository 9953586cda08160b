using Baton.Experiments.Execution;
using Baton.Experiments.Tests.Identity;
using Baton.Testing;

namespace Baton.Experiments.Tests.Execution;

public sealed class ConfigCacheTests : IDisposable
{
    private readonly TempDirectory _workspace = new("baton-cache-");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_value_is_computed_once_per_identity_even_by_concurrent_users()
    {
        var computed = 0;
        var firstInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<string> Use(FileInfo file, CancellationToken cancellationToken)
        {
            if (file.Exists)
            {
                return await File.ReadAllTextAsync(file.FullName, cancellationToken);
            }
            Interlocked.Increment(ref computed);
            firstInside.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
            await File.WriteAllTextAsync(file.FullName, "value", cancellationToken);
            return "value";
        }
        var token = TestContext.Current.CancellationToken;

        var first = ConfigCache.UseAsync(_workspace.Path, new ModelV1 { Layers = 3 }, "terms.txt", Use, token);
        await firstInside.Task.WaitAsync(token);
        // Same identity, another object: waits for the lock the first one holds.
        var second = ConfigCache.UseAsync(_workspace.Path, new ModelV1 { Layers = 3 }, "terms.txt", Use, token);
        Assert.False(second.IsCompleted);
        release.SetResult();

        Assert.Equal("value", await first);
        Assert.Equal("value", await second);
        Assert.Equal(1, computed);
        Assert.StartsWith(Path.Combine(_workspace.Path, "config", "golden.Model"), ConfigCache.DirectoryOf(_workspace.Path, new ModelV1 { Layers = 3 }), StringComparison.Ordinal);
        Assert.NotEqual(ConfigCache.DirectoryOf(_workspace.Path, new ModelV1 { Layers = 3 }), ConfigCache.DirectoryOf(_workspace.Path, new ModelV1 { Layers = 4 }));
    }
}
