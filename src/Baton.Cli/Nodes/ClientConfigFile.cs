using Baton.Core.Errors;
using Baton.Core.Workflows;
using YamlDotNet.RepresentationModel;

namespace Baton.Cli.Nodes;

/// <summary>
/// <c>$XDG_CONFIG_HOME/baton/client.yaml</c> (default <c>~/.config/baton/client.yaml</c>): the server and token a
/// user's commands use when neither options nor environment name one, e.g. <c>server: https://baton.example.org</c>
/// and <c>token: baton_...</c>. It holds a secret, so it must be readable by its owner only (like ssh's keys).
/// </summary>
internal sealed record ClientConfigFile(string Path, string? Server, string? Token)
{
    /// <summary>The file, or null when there is none.</summary>
    public static ClientConfigFile? Load(Func<string, string?> environment)
    {
        var directory = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
            : environment("HOME") is { Length: > 0 } home ? System.IO.Path.Combine(home, ".config")
            : null;
        if (directory is null)
        {
            return null;
        }
        var path = System.IO.Path.Combine(directory, "baton", "client.yaml");
        if (!File.Exists(path))
        {
            return null;
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new BatonInputException($"'{path}' holds a token and must be readable by its owner only: chmod 600 '{path}'");
        }
        var document = GuardedYaml.Load(path, File.ReadAllText(path), "the client config");
        if (document is null)
        {
            return new ClientConfigFile(path, null, null);
        }
        if (document is not YamlMappingNode root)
        {
            throw new BatonInputException(Location(path, document), "the client config must be a mapping with keys server and token");
        }
        string? server = null;
        string? token = null;
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var value = (valueNode as YamlScalarNode)?.Value is { Length: > 0 } v
                ? v
                : throw new BatonInputException(Location(path, valueNode), $"'{key}' must be a non-empty text");
            switch (key)
            {
                case "server":
                    server = value;
                    break;
                case "token":
                    token = value;
                    break;
                default:
                    throw new BatonInputException(Location(path, keyNode), $"unknown setting '{QuotedText.Shorten(QuotedText.Escape(key ?? ""))}' (known: server, token)");
            }
        }
        return new ClientConfigFile(path, server, token);
    }

    private static SourceLocation Location(string path, YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Path = ").Append(Path).Append(", Server = ").Append(Server).Append(", Token = ").Append(Token is null ? "none" : "***");
        return true;
    }
}
