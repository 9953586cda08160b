using Baton.Core.Errors;
using Baton.Core.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Cli.Workspaces;

/// <summary>
/// Optional <c>&lt;workspace&gt;/settings.yaml</c>: what this machine offers Baton when <c>--cpus</c> and
/// <c>--memory</c> are not given, e.g. <c>cpus: 6</c> and <c>memory: 24G</c>; the executor <c>baton run</c> uses
/// when <c>--executor</c> is not given; and a <c>slurm:</c> block (docs/slurm.md).
/// </summary>
internal sealed record WorkspaceSettings(int? Cpus, long? MemoryBytes)
{
    public const string FileName = "settings.yaml";

    /// <summary><c>executor: local|slurm</c>.</summary>
    public string? Executor { get; init; }

    /// <summary>The <c>slurm:</c> block, with where it stands for errors.</summary>
    public SlurmWorkspaceSettings? Slurm { get; init; }

    public static WorkspaceSettings Load(string workspaceRoot)
    {
        var path = Path.Combine(workspaceRoot, FileName);
        if (!File.Exists(path))
        {
            return new WorkspaceSettings(null, null);
        }
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new BatonInputException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), ex.InnerException?.Message ?? ex.Message);
        }
        if (stream.Documents.Count == 0)
        {
            return new WorkspaceSettings(null, null);
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new BatonInputException(Location(path, stream.Documents[0].RootNode), "settings must be a mapping with keys cpus and memory");
        }
        int? cpus = null;
        long? memory = null;
        string? executor = null;
        SlurmWorkspaceSettings? slurm = null;
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            var value = (valueNode as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "cpus":
                    cpus = int.TryParse(value, out var c) && c > 0
                        ? c
                        : throw new BatonInputException(Location(path, valueNode), $"cpus '{value}' must be a positive whole number");
                    break;
                case "memory":
                    memory = ResourceParser.TryParseMemory(value, out var m, out var error) && m > 0
                        ? m
                        : throw new BatonInputException(Location(path, valueNode), error.Length > 0 ? error : $"memory '{value}' must be positive");
                    break;
                case "executor":
                    executor = value is "local" or "slurm"
                        ? value
                        : throw new BatonInputException(Location(path, valueNode), $"executor '{value}' is not known (known: local, slurm)");
                    break;
                case "slurm":
                    slurm = SlurmWorkspaceSettings.Read(path, valueNode);
                    break;
                default:
                    throw new BatonInputException(Location(path, keyNode), $"unknown setting '{key}' (known: cpus, memory, executor, slurm)");
            }
        }
        return new WorkspaceSettings(cpus, memory) { Executor = executor, Slurm = slurm };
    }

    private static SourceLocation Location(string path, YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);
}
