namespace Baton.Testing.Executors;

/// <summary>
/// Wrappers for sbatch, squeue, scancel, scontrol and sacct that append their name to a log and then exec the real
/// command: the executor runs the real SLURM, and the test counts what it ran.
/// </summary>
public sealed class CountingSlurmCommands
{
    private readonly string _log;

    public CountingSlurmCommands(string folder)
    {
        Directory.CreateDirectory(folder);
        _log = Path.Join(folder, "calls.log");
        File.WriteAllText(_log, "");
        foreach (var name in new[] { "sbatch", "squeue", "scancel", "scontrol", "sacct" })
        {
            var real = FindOnPath(name);
            ExecutableFiles.Write(Path.Join(folder, name), $"#!/bin/sh\necho {name} >> '{_log}'\nexec '{real}' \"$@\"\n");
        }
        Folder = folder;
    }

    /// <summary>The folder of the wrappers, to use in place of the real commands' folder.</summary>
    public string Folder { get; }

    public int Count(string command) => File.ReadAllLines(_log).Count(l => l == command);

    private static string FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Join(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"'{name}' is not on PATH");
}
