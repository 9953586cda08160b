using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Client;
using Baton.Core.Errors;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton errors [RUN]</c>: failed attempts grouped by template, similar failures clustered (same outcome, same
/// last stderr line once numbers are blanked), each cluster with its count, some of its tasks and its last lines.
/// </summary>
internal static class ErrorsCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var runId = new Argument<string?>("run") { Description = "Only the attempts of this run (a number from baton runs)", Arity = ArgumentArity.ZeroOrOne };
        var workflow = CommonOptions.WorkflowFilter("Only this workflow's tasks");
        var lines = new Option<int>("--lines") { Description = "How many of the last stderr lines to show", DefaultValueFactory = _ => 3 };
        var all = CommonOptions.AllVersions("the tasks");
        var json = CommonOptions.Json();
        var command = new Command("errors", "Failed attempts grouped by template, similar failures clustered with a count") { runId, workflow, lines, all, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var lineCount = parse.GetValue(lines);
            if (lineCount < 1)
            {
                throw new BatonInputException($"--lines {lineCount} is not valid: show at least 1 line");
            }
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var query = new InsightQuery { Workflow = parse.GetValue(workflow), AllVersions = parse.GetValue(all) };
            if (parse.GetValue(runId) is { } text)
            {
                query = query with { RunId = await ResolveRunAsync(source.Reads, text, cancellationToken) };
            }
            var clusters = await source.Reads.ErrorsAsync(query, lineCount, cancellationToken);
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(clusters.ToArray(), CliJson.Default.ErrorClusterArray));
                return ExitCodes.Success;
            }
            if (clusters.Count == 0)
            {
                cli.Console.MarkupLine("[grey]no failed attempts[/]");
                return ExitCodes.Success;
            }
            foreach (var template in clusters.GroupBy(c => c.Template, StringComparer.Ordinal))
            {
                // Names and stderr lines come from tasks: escaped (QuotedText) so that a task's terminal escapes
                // (clear screen, bell, a cursor move) never reach the user's terminal.
                var failed = template.Sum(c => c.Count);
                cli.Console.MarkupLine($"[bold]{Markup.Escape(QuotedText.Escape(template.Key))}[/]: {failed} failed {(failed == 1 ? "attempt" : "attempts")}");
                foreach (var c in template)
                {
                    var tasks = string.Join(", ", c.Tasks) + (c.Count > c.Tasks.Count ? ", ..." : "");
                    cli.Console.MarkupLine($"  [red]{c.Count.ToString(CultureInfo.InvariantCulture)} ×[/] {Markup.Escape(QuotedText.Escape(c.Outcome))} [grey]({Markup.Escape(QuotedText.Escape(tasks))})[/]");
                    foreach (var line in c.LastLines)
                    {
                        cli.Console.MarkupLine($"      {Markup.Escape(QuotedText.Escape(line))}");
                    }
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A run number that exists in the workspace; anything else is the user's mistake.</summary>
    internal static async Task<long> ResolveRunAsync(INodeReads reads, string text, CancellationToken cancellationToken)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
        {
            throw new BatonInputException($"run '{text}' is not a run number (see baton runs)");
        }
        return await reads.GetRunAsync(id, cancellationToken) is not null ? id : throw new BatonInputException($"no run {id} in this workspace (see baton runs)");
    }
}
