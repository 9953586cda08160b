using Baton.Core.Workspaces;
using Baton.Experiments.Configs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Experiments.Experiments;

/// <summary>
/// The workspace of an experiment: where it is (as <c>baton</c> finds it), its exclusive lock (the one the CLI's
/// <c>baton run</c> takes: one orchestrator per workspace) and <c>max_retries</c> from its settings.yaml.
/// </summary>
internal sealed class ExperimentWorkspace : IDisposable
{
    public const int DefaultMaxRetries = 3;

    private readonly FileStream _lock;

    private ExperimentWorkspace(WorkspaceLayout layout, FileStream lockStream, int? maxRetries)
    {
        Layout = layout;
        _lock = lockStream;
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
        FileStream lockStream;
        try
        {
            // The same advisory lock as baton run: the kernel drops it when the process dies.
            lockStream = new FileStream(layout.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new ConfigException($"the workspace '{layout.Root}' is in use by another baton run or experiment; wait for it or use another workspace");
        }
        try
        {
            return new ExperimentWorkspace(layout, lockStream, ReadMaxRetries(Path.Combine(layout.Root, "settings.yaml")));
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    private static int? ReadMaxRetries(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
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

    public void Dispose() => _lock.Dispose();
}
