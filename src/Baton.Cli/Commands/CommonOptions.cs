using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Workspace { get; } = new("--workspace", "-w")
    {
        Description = "The workspace directory (default: $BATON_WORKSPACE, else ./.baton)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log what the orchestrator does to stderr",
        Recursive = true,
    };

    /// <summary><c>--server</c>: a team server (<c>baton serve</c>) to talk to instead of the workspace's nodes.</summary>
    public Option<string?> Server { get; } = new("--server")
    {
        Description = "A Baton server's URL, e.g. https://baton.example.org:8443 (default: $BATON_SERVER, else the client config file)",
        Recursive = true,
    };

    /// <summary><c>--token</c>: the bearer token sent to the server.</summary>
    public Option<string?> Token { get; } = new("--token")
    {
        Description = "The token to send to the server (default: $BATON_TOKEN, else the client config file)",
        Recursive = true,
    };

    public static Option<string?> WorkflowFilter(string description) => new("--workflow")
    {
        Description = description,
    };

    /// <summary>
    /// <c>--all</c>: also what only earlier versions of a workflow use (by default listings show each workflow's
    /// current version: the tasks and dependencies it was run with last).
    /// </summary>
    public static Option<bool> AllVersions(string what) => new("--all")
    {
        Description = $"Include {what} of earlier versions of each workflow (default: its current version only)",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table",
    };
}
