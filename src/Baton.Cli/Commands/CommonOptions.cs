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

    public static Option<string?> WorkflowFilter(string description) => new("--workflow")
    {
        Description = description,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table",
    };
}
