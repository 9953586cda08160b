using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Reads the YAML files around a workflow (the workspace's <c>settings.yaml</c>, the client config) as workflow files
/// are read: bounded nesting, no anchors or aliases, no duplicate keys, and every failure of the YAML library a
/// located one-line <see cref="Errors.BatonInputException"/>, never a crash.
/// </summary>
public static class GuardedYaml
{
    /// <summary>The file's one document; null when it holds none. <paramref name="what"/> names it in errors ("a settings file").</summary>
    public static YamlNode? Load(string path, string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        return GuardedParser.LoadOptional(new YamlSource(path), text, what);
    }
}
