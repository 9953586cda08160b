using Baton.Core.Errors;
using Baton.Core.Workspaces;
using Baton.Experiments.Configs;
using Baton.Core.Workflows;
using YamlDotNet.RepresentationModel;

namespace Baton.Experiments.Experiments;

/// <summary>
/// The workspace of an experiment: where it is (as <c>baton</c> finds it) and <c>max_retries</c> from its
/// settings.yaml. No lock here: the experiment's run takes its workflow's lock, as <c>baton run</c> does, and claims
/// its tasks, so several experiments and runs share the workspace.
/// </summary>
internal sealed class ExperimentWorkspace
{
    public const int DefaultMaxRetries = 3;

    private ExperimentWorkspace(WorkspaceLayout layout, int? maxRetries)
    {
        Layout = layout;
        MaxRetries = maxRetries;
    }

    public WorkspaceLayout Layout { get; }

    /// <summary><c>max_retries</c> in settings.yaml; null when not set.</summary>
    public int? MaxRetries { get; }

    public static ExperimentWorkspace Open(string? directory)
    {
        var root = directory
            ?? (Environment.GetEnvironmentVariable(WorkspaceLayout.EnvironmentVariable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : WorkspaceLayout.DefaultDirectory);
        var layout = new WorkspaceLayout(root);
        Directory.CreateDirectory(layout.Root);
        return new ExperimentWorkspace(layout, ReadMaxRetries(Path.Combine(layout.Root, "settings.yaml")));
    }

    private static int? ReadMaxRetries(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        YamlNode? document;
        try
        {
            document = GuardedYaml.Load(path, File.ReadAllText(path), "a settings file");
        }
        catch (BatonInputException ex)
        {
            throw new ConfigException(ex.Message, ex);
        }
        if (document is not YamlMappingNode root)
        {
            return null;
        }
        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: "max_retries" })
            {
                var text = (value as YamlScalarNode)?.Value;
                return int.TryParse(text, out var retries) && retries >= 0
                    ? retries
                    : throw new ConfigException($"{path}:{value.Start.Line}:{value.Start.Column}: max_retries '{text}' must be a whole number, 0 or more");
            }
        }
        return null;
    }

}
