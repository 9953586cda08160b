using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Status;
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
            await using var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken);
            var runs = (await store.ListRunsAsync(parse.GetValue(workflow), cancellationToken))
                .Where(r => r.CurrentVersion || parse.GetValue(all))
                .ToList();
            // The tasks' current states, per workflow version (runs of one workflow share them).
            var counts = new Dictionary<long, IReadOnlyDictionary<TaskState, int>>();
            foreach (var id in runs.Select(r => r.WorkflowId).Distinct())
            {
                counts[id] = await StatusReport.CountsAsync(store, new TaskFilter { WorkflowId = id }, cancellationToken);
            }
            if (parse.GetValue(json))
            {
                var rows = runs.Select(r => new RunJson(r.RunId, r.Workflow, r.Status.ToString().ToLowerInvariant(), r.StartedAt, r.EndedAt, r.Host, r.ProcessId)
                {
                    Tasks = counts[r.WorkflowId].ToDictionary(kv => kv.Key.ToWord(), kv => kv.Value),
                    SubmittedBy = r.SubmittedBy,
                }).ToArray();
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(rows, CliJson.Default.RunJsonArray));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("run", "workflow", "status", "started (UTC)", "ended (UTC)", "host", "pid", "submitted by", "tasks now");
            foreach (var r in runs)
            {
                table.AddRow(
                    r.RunId.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(r.Workflow),
                    r.Status.ToString().ToLowerInvariant(),
                    r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.EndedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(r.Host),
                    r.ProcessId.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(QuotedText.Shorten(QuotedText.Escape(r.SubmittedBy ?? ""))),
                    Markup.Escape(StatusReport.Describe(counts[r.WorkflowId])));
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
