using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Client;
using Baton.Hosting.Queries;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary><c>baton ls</c>: the tasks of the workspace, filtered.</summary>
internal static class ListCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var workflow = CommonOptions.WorkflowFilter("Only tasks of this workflow");
        var state = new Option<string[]>("--state", "-s") { Description = "Only tasks in these states (waiting, ready, running, done, failed, killed, ...)", AllowMultipleArgumentsPerToken = true };
        var template = new Option<string?>("--template") { Description = "Only tasks of this template" };
        var tag = new Option<string?>("--tag") { Description = "Only tasks with this tag" };
        var limit = new Option<int?>("--limit") { Description = "At most this many tasks" };
        var attribute = new Option<string?>("--attr") { Description = "Only tasks whose attribute (or whose workflow's) KEY has VALUE: --attr KEY=VALUE" };
        var all = CommonOptions.AllVersions("tasks");
        var json = CommonOptions.Json();
        var command = new Command("ls", "List tasks with their state") { workflow, state, template, tag, limit, attribute, all, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            if (parse.GetValue(limit) is { } count and < 1)
            {
                throw new BatonInputException($"--limit {count} is not valid: list at least 1 task");
            }
            var states = (parse.GetValue(state) ?? []).Select(ParseState).ToArray();
            var attr = parse.GetValue(attribute) is { } text ? ParseAttribute(text) : (KeyValuePair<string, string>?)null;
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var rows = await ListAsync(source.Reads, new TaskQuery
            {
                Workflow = parse.GetValue(workflow),
                States = states.Length > 0 ? states : null,
                Template = parse.GetValue(template),
                Tag = parse.GetValue(tag),
                Attribute = attr is { } kv ? $"{kv.Key}={kv.Value}" : null,
                AllVersions = parse.GetValue(all),
            }, parse.GetValue(limit), cancellationToken);
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(rows.Select(TaskJson.FromRow).ToArray(), CliJson.Default.TaskJsonArray));
                return ExitCodes.Success;
            }
            if (rows.Count == 0)
            {
                cli.Console.MarkupLine("[grey]no tasks match[/]");
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("workflow", "task", "state", "attempts", "exit", "template", "identity", "tags");
            foreach (var column in table.Columns.Take(2).Append(table.Columns[6]))
            {
                column.NoWrap();
            }
            foreach (var r in rows)
            {
                table.AddRow(
                    Markup.Escape(r.Workflow),
                    Markup.Escape(r.Name),
                    StateMarkup(r.State, r.Reason),
                    r.AttemptCount.ToString(CultureInfo.InvariantCulture),
                    r.LastExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(r.Template),
                    r.Identity[..12],
                    Markup.Escape(string.Join(",", r.Tags)));
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Every task the query selects (at most <paramref name="limit"/>), page after page.</summary>
    private static async Task<IReadOnlyList<TaskRow>> ListAsync(INodeReads reads, TaskQuery query, int? limit, CancellationToken cancellationToken)
    {
        var rows = new List<TaskRow>();
        string? after = null;
        do
        {
            var size = Math.Min(NodeQueries.MaxLimit, (limit ?? int.MaxValue) - rows.Count);
            var page = await reads.ListTasksAsync(query with { After = after, Limit = size }, cancellationToken);
            rows.AddRange(page.Tasks);
            after = page.Next;
        }
        while (after is not null && rows.Count < (limit ?? int.MaxValue));
        return rows;
    }

    private static TaskState ParseState(string word) =>
        LifecycleNames.TryParseState(word, out var s)
            ? s
            : throw new BatonInputException($"--state '{word}' is not a task state (one of: {string.Join(", ", Enum.GetValues<TaskState>().Select(x => x.ToWord()))})");

    public static string StateMarkup(TaskState state, FailureReason reason)
    {
        var colour = state switch
        {
            TaskState.Done => "green",
            TaskState.Failed => "red",
            TaskState.Killed or TaskState.Killing => "yellow",
            TaskState.Running or TaskState.Submitted => "blue",
            _ => "grey",
        };
        var text = reason == FailureReason.None ? state.ToWord() : $"{state.ToWord()} ({reason.ToWord()})";
        return $"[{colour}]{Markup.Escape(text)}[/]";
    }

    private static KeyValuePair<string, string> ParseAttribute(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            ? new(text[..equals], text[(equals + 1)..])
            : throw new BatonInputException($"--attr '{text}' is not KEY=VALUE");
    }
}
