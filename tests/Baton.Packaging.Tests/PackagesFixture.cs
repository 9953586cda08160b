namespace Baton.Packaging.Tests;

/// <summary>
/// The packages under test, written once for the tests of a class: by <c>scripts/pack</c> into a temporary folder, or
/// those in the folder that <c>BATON_TEST_PACKAGES</c> names (e.g. artifacts/packages, written by scripts/pack).
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    // Generous: a Release build of every project on a loaded two-core machine takes minutes.
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(20);

    /// <summary>A temporary folder for everything the tests write, deleted at the end.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("baton-packaging-").FullName;

    /// <summary>The folder holding the .nupkg files.</summary>
    public string Packages { get; private set; } = "";

    /// <summary>The version of every package there.</summary>
    public string Version { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("BATON_TEST_PACKAGES") is { Length: > 0 } given)
        {
            Packages = Path.GetFullPath(given, Processes.RepositoryRoot);
            // The newest Baton.Cli package there (scripts/pack may have written several versions).
            var tool = new DirectoryInfo(Packages).GetFiles("Baton.Cli.*.nupkg").MaxBy(file => file.LastWriteTimeUtc)
                ?? throw new InvalidOperationException($"no Baton.Cli package in '{Packages}' (BATON_TEST_PACKAGES)");
            Version = Path.GetFileNameWithoutExtension(tool.Name)["Baton.Cli.".Length..];
            return;
        }
        // A version no earlier run used, so that no cache can hand back an older package; built under this folder
        // (--artifacts-path), so that the clone's own bin/ and obj/ keep their build.
        Version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        Packages = Path.Join(Root, "packages");
        var pack = await Processes.RunAsync(Root, PackTimeout, Processes.RepositoryRoot, Path.Join(Processes.RepositoryRoot, "scripts", "pack"),
            "--version", Version, "--output", Packages, "--artifacts-path", Path.Join(Root, "build"));
        if (pack.Code != 0)
        {
            throw new InvalidOperationException($"scripts/pack failed (exit code {pack.Code}):\n{pack.Output}");
        }
    }

    /// <summary>
    /// A nuget.config that finds Baton's packages in <see cref="Packages"/> only: no other feed is asked, and nothing
    /// from an earlier install is reused.
    /// </summary>
    public async Task<string> NuGetConfigAsync(string directory)
    {
        var path = Path.Join(directory, "nuget.config");
        await File.WriteAllTextAsync(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="baton" value="{Packages}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        return path;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
