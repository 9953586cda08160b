using Baton.Core.Errors;
using Baton.Core.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Cli.Workspaces;

/// <summary>
/// Optional <c>&lt;workspace&gt;/settings.yaml</c>: what this machine offers Baton when <c>--cpus</c> and
/// <c>--memory</c> are not given, e.g. <c>cpus: 6</c> and <c>memory: 24G</c>.
/// </summary>
internal sealed record WorkspaceSettings(int? Cpus, long? MemoryBytes)
{
    public const string FileName = "settings.yaml";

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
                case "max_retries":
                    // Read by typed experiments (retries of resumable tasks after a timeout); checked here too.
                    _ = int.TryParse(value, out var retries) && retries >= 0
                        ? retries
                        : throw new BatonInputException(Location(path, valueNode), $"max_retries '{value}' must be a whole number, 0 or more");
                    break;
                default:
                    throw new BatonInputException(Location(path, keyNode), $"unknown setting '{key}' (known: cpus, memory, max_retries)");
            }
        }
        return new WorkspaceSettings(cpus, memory);
    }

    private static SourceLocation Location(string path, YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);
}
