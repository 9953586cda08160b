using Baton.Hosting.Bundles;
using Baton.Testing;

namespace Baton.Hosting.Tests.Bundles;

/// <summary>The bundle store's limits and its all-or-nothing writing, with small limits to reach them cheaply.</summary>
public sealed class InputBundlesTests : IDisposable
{
    private readonly TempDirectory _workspace = new("baton-bundles-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_same_bytes_are_the_same_bundle_and_its_files_keep_their_executable_bit()
    {
        var bundles = new InputBundles(_workspace.Path, new BundleLimits());
        var zip = TestZips.Create(("run.sh", new string('x', 10), TestZips.Executable), ("data/input.txt", "input", TestZips.File));

        var first = await bundles.StoreAsync(new MemoryStream(zip), Ct);
        var second = await bundles.StoreAsync(new MemoryStream(zip), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal((2, 15L), (first.Files, first.Bytes));
        Assert.Equal(0, second.Bytes);
        var script = bundles.Resolve(first.Id, "run.sh");
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("input", await File.ReadAllTextAsync(bundles.Resolve(first.Id, "data/input.txt"), Ct));
    }

    [Fact]
    public async Task A_bundle_over_a_limit_is_refused_and_leaves_nothing_behind()
    {
        var limits = new BundleLimits { MaxUploadBytes = 4096, MaxFiles = 3, MaxExpandedBytes = 1000 };
        var bundles = new InputBundles(_workspace.Path, limits);

        var many = TestZips.Create([.. Enumerable.Range(0, 4).Select(i => ($"f{i}", "x", TestZips.File))]);
        var bomb = TestZips.Create(("big", new string('0', 5000), TestZips.File));
        var large = new byte[5000];
        Random.Shared.NextBytes(large);

        Assert.Contains("at most 3", (await Assert.ThrowsAsync<BundleTooLargeException>(() => bundles.StoreAsync(new MemoryStream(many), Ct))).Message, StringComparison.Ordinal);
        Assert.Contains("expands to", (await Assert.ThrowsAsync<BundleTooLargeException>(() => bundles.StoreAsync(new MemoryStream(bomb), Ct))).Message, StringComparison.Ordinal);
        Assert.Contains("larger than 4096", (await Assert.ThrowsAsync<BundleTooLargeException>(() => bundles.StoreAsync(new MemoryStream(large), Ct))).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(bundles.Root));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../x")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task A_file_outside_the_bundle_cannot_be_named(string file)
    {
        var bundles = new InputBundles(_workspace.Path, new BundleLimits());
        var stored = await bundles.StoreAsync(new MemoryStream(TestZips.Create(("workflow.yaml", "name: x", TestZips.File))), Ct);

        Assert.Throws<Baton.Core.Errors.BatonInputException>(() => bundles.Resolve(stored.Id, file));
    }

    public void Dispose() => _workspace.Dispose();
}
