using System.Collections.Concurrent;
using Baton.Core.Executors;

namespace Baton.Executors.Local;

/// <summary>
/// Finds the file a command's program names, before anything is started, so a missing program is an
/// <see cref="ExecutorStartException"/> with a clear message rather than exit code 127.
/// </summary>
internal sealed class ProgramResolver
{
    private readonly string[] _directories;

    // Bare name → path. Only hits are cached: a program installed while the orchestrator runs is then found.
    private readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);

    /// <param name="searchPath">PATH syntax. Relative and empty entries are ignored: they would mean a different
    /// directory for each task, and a cached answer would be wrong.</param>
    public ProgramResolver(string? searchPath)
    {
        _directories = (searchPath ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(Path.IsPathFullyQualified)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    internal int CachedCount => _cache.Count;

    /// <summary>The absolute path of the program to execute; throws <see cref="ExecutorStartException"/>.</summary>
    public string Resolve(string program, string workingDirectory)
    {
        if (program.Length == 0)
        {
            throw new ExecutorStartException("the program name is empty");
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            // Like a shell: a name with a slash is a path, relative to the working directory.
            var path = Path.GetFullPath(program, workingDirectory);
            if (Directory.Exists(path))
            {
                throw new ExecutorStartException($"program '{program}' is a directory", permanent: true);
            }
            if (!File.Exists(path))
            {
                throw new ExecutorStartException($"program '{program}' not found{(path == program ? "" : $" (no file {path})")}", permanent: true);
            }
            if (!Native.IsExecutable(path))
            {
                throw new ExecutorStartException($"program '{program}' is not executable", permanent: true);
            }
            return path;
        }
        if (_cache.TryGetValue(program, out var cached))
        {
            return cached;
        }
        foreach (var directory in _directories)
        {
            var candidate = Path.Join(directory, program);
            // A non-executable match is skipped, as a shell does.
            if (File.Exists(candidate) && Native.IsExecutable(candidate))
            {
                _cache[program] = candidate;
                return candidate;
            }
        }
        throw new ExecutorStartException(
            $"program '{program}' not found on PATH (searched {(_directories.Length == 0 ? "no directory" : string.Join(":", _directories))})", permanent: true);
    }
}
