using Baton.Core.Errors;
using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Core.Workflows;
using YamlDotNet.RepresentationModel;

namespace Baton.Hosting.Workspaces;

/// <summary>
/// Optional <c>&lt;workspace&gt;/settings.yaml</c>: what this machine offers Baton when <c>--cpus</c> and
/// <c>--memory</c> are not given, e.g. <c>cpus: 6</c> and <c>memory: 24G</c>; the GPUs (<c>gpus:</c>, a list of
/// devices with their memory, see docs/gpus.md) and <c>visible_devices:</c>; the executor <c>baton run</c> uses
/// when <c>--executor</c> is not given; and a <c>slurm:</c> block (docs/slurm.md).
/// </summary>
public sealed record WorkspaceSettings(int? Cpus, long? MemoryBytes)
{
    /// <summary>Declared GPUs; null when none are declared (then nvidia-smi is asked).</summary>
    public IReadOnlyList<GpuDevice>? Gpus { get; init; }

    /// <summary>The only GPU indices Baton may use; null for all.</summary>
    public IReadOnlyList<int>? VisibleDevices { get; init; }

    /// <summary>Named counting resources (<c>tokens: { license: 2 }</c>) that tasks ask for and the scheduler honours.</summary>
    public IReadOnlyDictionary<string, int> Tokens { get; init; } = new Dictionary<string, int>();

    public const string FileName = "settings.yaml";

    /// <summary><c>executor: local|slurm</c>.</summary>
    public string? Executor { get; init; }

    /// <summary><c>store: postgresql://...</c> or <c>sqlite://PATH</c>: where the state lives (docs/stores.md).</summary>
    public string? Store { get; init; }

    /// <summary>The <c>slurm:</c> block, with where it stands for errors.</summary>
    public SlurmWorkspaceSettings? Slurm { get; init; }

    public static WorkspaceSettings Load(string workspaceRoot)
    {
        var path = Path.Combine(workspaceRoot, FileName);
        if (!File.Exists(path))
        {
            return new WorkspaceSettings(null, null);
        }
        // Read as workflow files are: a hostile settings file is a located one-line error, never a crash.
        var document = GuardedYaml.Load(path, File.ReadAllText(path), "a settings file");
        if (document is null)
        {
            return new WorkspaceSettings(null, null);
        }
        if (document is not YamlMappingNode root)
        {
            throw new BatonInputException(Location(path, document), "settings must be a mapping with keys cpus and memory");
        }
        int? cpus = null;
        long? memory = null;
        IReadOnlyList<GpuDevice>? gpus = null;
        IReadOnlyList<int>? visible = null;
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        string? executor = null;
        SlurmWorkspaceSettings? slurm = null;
        string? store = null;
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
                case "gpus":
                    gpus = DeclaredGpus.Read(path, valueNode);
                    break;
                case "visible_devices":
                    visible = DeclaredGpus.ReadIndices(path, valueNode);
                    break;
                case "tokens" when valueNode is YamlMappingNode declared:
                    foreach (var (nameNode, countNode) in declared.Children)
                    {
                        var name = ((YamlScalarNode)nameNode).Value ?? "";
                        var count = (countNode as YamlScalarNode)?.Value ?? "";
                        tokens[name] = int.TryParse(count, out var n) && n > 0
                            ? n
                            : throw new BatonInputException(Location(path, countNode), $"token '{name}' count '{count}' must be a positive whole number");
                    }
                    break;
                case "tokens":
                    throw new BatonInputException(Location(path, valueNode), "tokens must be a mapping of name to count, such as tokens: { license: 2 }");
                case "max_retries":
                    // Read by typed experiments (retries of resumable tasks after a timeout); checked here too.
                    _ = int.TryParse(value, out var retries) && retries >= 0
                        ? retries
                        : throw new BatonInputException(Location(path, valueNode), $"max_retries '{value}' must be a whole number, 0 or more");
                    break;
                case "executor":
                    executor = value is "local" or "slurm"
                        ? value
                        : throw new BatonInputException(Location(path, valueNode), $"executor '{value}' is not known (known: local, slurm)");
                    break;
                case "slurm":
                    slurm = SlurmWorkspaceSettings.Read(path, valueNode);
                    break;
                case "store":
                    store = value.Length > 0
                        ? value
                        : throw new BatonInputException(Location(path, valueNode), "store must be a URL such as postgresql://user@host/database or sqlite://PATH");
                    break;
                default:
                    throw new BatonInputException(Location(path, keyNode), $"unknown setting '{key}' (known: cpus, memory, gpus, visible_devices, tokens, max_retries, executor, slurm, store)");
            }
        }
        return new WorkspaceSettings(cpus, memory) { Gpus = gpus, VisibleDevices = visible, Tokens = tokens, Executor = executor, Slurm = slurm, Store = store };
    }

    internal static SourceLocation Location(string path, YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);
}
