using Baton.Testing.Executors;

namespace Baton.Executors.Slurm.Tests;

/// <summary>
/// Wrappers for sbatch, squeue, scancel and scontrol that append their name to a log and then exec the real
/// command: the executor runs the real SLURM, and the test counts what it ran.
/// </summary>
internal sealed class CountingCommands
{
    private readonly string _log;

    public CountingCommands(string folder)
    {
        Directory.CreateDirectory(folder);
        _log = Path.Join(folder, "calls.log");
        File.WriteAllText(_log, "");
        foreach (var name in new[] { "sbatch", "squeue", "scancel", "scontrol" })
        {
            var real = FindOnPath(name);
            ExecutableFiles.Write(Path.Join(folder, name), $"#!/bin/sh\necho {name} >> '{_log}'\nexec '{real}' \"$@\"\n");
        }
        Paths = new SlurmCommandPaths(Path.Join(folder, "sbatch"), Path.Join(folder, "squeue"), Path.Join(folder, "scancel"), Path.Join(folder, "scontrol"));
    }

    public SlurmCommandPaths Paths { get; }

    public int Count(string command) => File.ReadAllLines(_log).Count(l => l == command);

    private static string FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Join(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"'{name}' is not on PATH");
}
