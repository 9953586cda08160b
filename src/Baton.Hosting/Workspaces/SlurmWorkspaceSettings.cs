using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Resources;
using Baton.Core.Workflows;
using Baton.Executors.Slurm;
using YamlDotNet.RepresentationModel;

namespace Baton.Hosting.Workspaces;

/// <summary>
/// The workspace's <c>slurm:</c> settings: what every job asks for (the keys of a workflow file's <c>slurm:</c> block)
/// and how the executor talks to SLURM: <c>poll_interval</c>, <c>submissions_per_second</c>, <c>max_array_size</c>,
/// <c>commands_dir</c> (the folder of sbatch, squeue, scancel and scontrol; default: found on PATH).
/// </summary>
public sealed record SlurmWorkspaceSettings(SlurmSettings Job, TimeSpan? PollInterval, double? SubmissionsPerSecond, int? MaxArraySize)
{
    private static readonly string[] TuningKeys = ["poll_interval", "submissions_per_second", "max_array_size", "commands_dir"];

    public string? CommandsDirectory { get; init; }

    public static SlurmWorkspaceSettings Read(string path, YamlNode node)
    {
        var job = SlurmBlockReader.Read(path, node, TuningKeys, out var extras);
        TimeSpan? poll = null;
        double? rate = null;
        int? arraySize = null;
        if (extras.TryGetValue("poll_interval", out var p))
        {
            poll = ResourceParser.TryParseRuntime(p.Value, out var interval, out _) && interval > TimeSpan.Zero
                ? interval
                : throw new BatonInputException(p.Location, $"poll_interval '{p.Value}' must be a positive duration such as 5s");
        }
        if (extras.TryGetValue("submissions_per_second", out var r))
        {
            rate = double.TryParse(r.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new BatonInputException(r.Location, $"submissions_per_second '{r.Value}' must be a positive number");
        }
        if (extras.TryGetValue("max_array_size", out var a))
        {
            arraySize = int.TryParse(a.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                ? size
                : throw new BatonInputException(a.Location, $"max_array_size '{a.Value}' must be a positive whole number");
        }
        string? commands = null;
        if (extras.TryGetValue("commands_dir", out var c))
        {
            commands = Directory.Exists(c.Value)
                ? Path.GetFullPath(c.Value)
                : throw new BatonInputException(c.Location, $"commands_dir '{c.Value}' is not a folder");
        }
        return new SlurmWorkspaceSettings(job, poll, rate, arraySize) { CommandsDirectory = commands };
    }

    /// <summary>The executor's options: these settings over the built-in defaults.</summary>
    public static SlurmExecutorOptions Options(SlurmWorkspaceSettings? settings)
    {
        var defaults = new SlurmExecutorOptions();
        return settings is null
            ? defaults
            : defaults with
            {
                Job = settings.Job,
                PollInterval = settings.PollInterval ?? defaults.PollInterval,
                SubmissionsPerSecond = settings.SubmissionsPerSecond ?? defaults.SubmissionsPerSecond,
                MaxArraySize = settings.MaxArraySize,
                Commands = settings.CommandsDirectory is { } folder ? SlurmCommandPaths.InDirectory(folder) : defaults.Commands,
            };
    }
}
