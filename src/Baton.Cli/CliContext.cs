using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Baton.Cli;

/// <summary>What every command writes to and logs with.</summary>
/// <param name="Console">Tables, progress and messages for humans.</param>
/// <param name="Output">Raw output (logs, JSON) that must reach stdout byte for byte.</param>
/// <param name="Error">One-line errors.</param>
internal sealed record CliContext(
    IAnsiConsole Console,
    TextWriter Output,
    TextWriter Error,
    ILoggerFactory Loggers,
    TimeProvider Time)
{
    /// <summary>The team server commands talk to (<c>--server</c>, <c>BATON_SERVER</c>, client config); null: the workspace's nodes.</summary>
    public Nodes.RemoteServer? Remote { get; init; }
}
