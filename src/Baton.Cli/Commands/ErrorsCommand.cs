using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Engine.Status;
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
        var json = CommonOptions.Json();
        var command = new Command("errors", "Failed attempts grouped by template, similar failures clustered with a count") { runId, workflow, lines, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var lineCount = parse.GetValue(lines);
            if (lineCount < 1)
            {
                throw new BatonInputException($"--lines {lineCount} is not valid: show at least 1 line");
            }
            await using var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken);
            var filter = new AttemptFilter { Workflow = parse.GetValue(workflow) };
            if (parse.GetValue(runId) is { } text)
            {
                filter = filter with { RunId = await ResolveRunAsync(store, text, cancellationToken) };
            }
            var clusters = await ErrorReport.BuildAsync(store, filter, lineCount, cancellationToken);
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
                cli.Console.MarkupLine($"[bold]{Markup.Escape(template.Key)}[/]: {template.Sum(c => c.Count)} failed attempt(s)");
                foreach (var c in template)
                {
                    var tasks = string.Join(", ", c.Tasks) + (c.Count > c.Tasks.Count ? ", ..." : "");
                    cli.Console.MarkupLine($"  [red]{c.Count.ToString(CultureInfo.InvariantCulture)} ×[/] {Markup.Escape(c.Outcome)} [grey]({Markup.Escape(tasks)})[/]");
                    foreach (var line in c.LastLines)
                    {
                        cli.Console.MarkupLine($"      {Markup.Escape(line)}");
                    }
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A run number that exists in the workspace; anything else is the user's mistake.</summary>
    internal static async Task<long> ResolveRunAsync(IBatonStore store, string text, CancellationToken cancellationToken)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
        {
            throw new BatonInputException($"run '{text}' is not a run number (see baton runs)");
        }
        var runs = await store.ListRunsAsync(null, cancellationToken);
        return runs.Any(r => r.RunId == id) ? id : throw new BatonInputException($"no run {id} in this workspace (see baton runs)");
    }
}
