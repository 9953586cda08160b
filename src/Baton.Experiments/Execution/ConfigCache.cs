using Baton.Experiments.Configs;
using Baton.Experiments.Identity;

namespace Baton.Experiments.Execution;

/// <summary>
/// A value computed from a configuration and kept in a file under the workspace, keyed by the configuration's
/// identity (experimaestro's <c>@cache</c>): <c>&lt;workspace&gt;/config/&lt;type&gt;/&lt;identity&gt;/&lt;file&gt;</c>. While
/// <c>use</c> runs, <c>&lt;file&gt;.lock</c> is held exclusively, so two processes (two tasks using the same
/// configuration) never compute it at once: the second waits, then finds the file.
/// </summary>
public static class ConfigCache
{
    /// <summary>How often a process waiting for another one's lock tries again.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>The cache directory of <paramref name="config"/> in <paramref name="workspace"/>.</summary>
    public static string DirectoryOf(string workspace, Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var models = new ConfigModels();
        return Path.Combine(Path.GetFullPath(workspace), "config", models.For(config.GetType()).Id, new ConfigIdentity(models).Compute(config).Hex);
    }

    /// <summary>
    /// Calls <paramref name="use"/> with the cache file, under its lock. <paramref name="use"/> reads the file when it
    /// exists, else computes the value and writes it (as upstream's cached methods do).
    /// </summary>
    public static async Task<T> UseAsync<T>(string workspace, Config config, string fileName, Func<FileInfo, CancellationToken, Task<T>> use, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(use);
        var directory = Directory.CreateDirectory(DirectoryOf(workspace, config));
        var file = new FileInfo(Path.Combine(directory.FullName, fileName));
        var lockPath = file.FullName + ".lock";
        while (true)
        {
            FileStream? held = null;
            try
            {
                // An advisory flock for FileShare.None on Unix: released by the kernel if this process dies.
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(RetryDelay, cancellationToken);
                continue;
            }
            await using (held)
            {
                file.Refresh();
                return await use(file, cancellationToken);
            }
        }
    }
}
