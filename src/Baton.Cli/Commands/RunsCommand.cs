using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Engine.Status;
using Baton.Hosting.Queries;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary><c>baton runs</c>: the runs of the workspace, newest first.</summary>
internal static class RunsCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var workflow = CommonOptions.WorkflowFilter("Only runs of this workflow");
        var all = CommonOptions.AllVersions("runs");
        var json = CommonOptions.Json();
        var command = new Command("runs", "List workflow runs") { workflow, all, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var runs = new List<RunInfo>();
            string? after = null;
            do
            {
                var page = await source.Reads.ListRunsAsync(new RunQuery { Workflow = parse.GetValue(workflow), AllVersions = parse.GetValue(all), After = after, Limit = NodeQueries.MaxLimit }, cancellationToken);
                runs.AddRange(page.Runs);
                after = page.Next;
            }
            while (after is not null);
            if (parse.GetValue(json))
            {
                var rows = runs.Select(i => (Info: i, i.Run, Counts: InStateOrder(i.Tasks))).Select(r => new RunJson(r.Run.RunId, r.Run.Workflow, StatusWord(r.Info), r.Run.StartedAt, r.Run.EndedAt, r.Run.Host, r.Run.ProcessId)
                {
                    Tasks = r.Counts.ToDictionary(kv => kv.Key.ToWord(), kv => kv.Value),
                    SubmittedBy = r.Run.SubmittedBy,
                }).ToArray();
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(rows, CliJson.Default.RunJsonArray));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("run", "workflow", "status", "started (UTC)", "ended (UTC)", "host", "pid", "submitted by", "tasks now");
            foreach (var (info, r, counts) in runs.Select(i => (i, i.Run, InStateOrder(i.Tasks))))
            {
                table.AddRow(
                    r.RunId.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(r.Workflow),
                    StatusWord(info),
                    r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.EndedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(r.Host),
                    r.ProcessId.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(QuotedText.Shorten(QuotedText.Escape(r.SubmittedBy ?? ""))),
                    Markup.Escape(StatusReport.Describe(counts)));
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The run's status as it prints: <c>lost</c> for one recorded as running whose process is gone.</summary>
    private static string StatusWord(RunInfo run) => run.Lost ? "lost" : run.Run.Status.ToString().ToLowerInvariant();

    /// <summary>The counts in the order of the task states, as they print.</summary>
    private static Dictionary<TaskState, int> InStateOrder(IReadOnlyDictionary<TaskState, int> counts) =>
        counts.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value);
}
