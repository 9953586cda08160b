using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
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
        var json = CommonOptions.Json();
        var command = new Command("ls", "List tasks with their state") { workflow, state, template, tag, limit, attribute, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var states = (parse.GetValue(state) ?? []).Select(ParseState).ToArray();
            await using var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken);
            var rows = await store.ListTasksAsync(new TaskFilter
            {
                Workflow = parse.GetValue(workflow),
                States = states.Length > 0 ? states : null,
                Template = parse.GetValue(template),
                Tag = parse.GetValue(tag),
                Limit = parse.GetValue(limit),
                Attribute = parse.GetValue(attribute) is { } text ? ParseAttribute(text) : null,
            }, cancellationToken);
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
