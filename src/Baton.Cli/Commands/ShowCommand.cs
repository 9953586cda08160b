using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary><c>baton show TASK</c>: identity, parameters, state history and every attempt of one task.</summary>
internal static class ShowCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var task = new Argument<string>("task") { Description = "A task name or an identity prefix" };
        var workflow = CommonOptions.WorkflowFilter("The workflow the task belongs to, when the name is in several");
        var json = CommonOptions.Json();
        var command = new Command("show", "Show one task: identity, parameters, state history and attempts") { task, workflow, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var row = await TaskResolver.ResolveAsync(source.Reads, parse.GetValue(task)!, parse.GetValue(workflow), cancellationToken);
            var details = await source.Reads.GetTaskAsync(row.TaskId, cancellationToken)
                ?? throw new InvalidOperationException($"task {row.TaskId} vanished from the store");
            details = details with { Task = row };
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(ToJson(details), CliJson.Default.TaskDetailsJson));
            }
            else
            {
                Render(cli.Console, details);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static TaskDetailsJson ToJson(TaskDetails d) => new(
        TaskJson.FromRow(d.Task),
        JsonNode.Parse(d.ParamsJson),
        d.Attributes,
        d.History.Select(h => new HistoryJson(h.State.ToWord(), h.Reason == FailureReason.None ? null : h.Reason.ToWord(), h.Message, h.At, h.RunId)).ToArray(),
        d.Attempts.Select(a => new AttemptJson(
            a.Number, a.RunId, a.Executor, a.ExecutorId, a.Host, a.ProcessId, a.Directory, a.StartedAt, a.EndedAt,
            a.EndedAt is { } end ? (end - a.StartedAt).TotalSeconds : null,
            a.Outcome?.ToWord(), a.ExitCode, a.Message)
        {
            Request = ResourcesJson.From(a.Resources),
            Usage = UsageJson.From(a.Usage),
            Argv = a.Argv,
        }).ToArray())
    {
        Upstream = d.Upstream.Select(l => new LinkJson(l.Name, l.State.ToWord())).ToArray(),
        Downstream = d.Downstream.Select(l => new LinkJson(l.Name, l.State.ToWord())).ToArray(),
    };

    private static void Render(IAnsiConsole console, TaskDetails d)
    {
        var t = d.Task;
        var facts = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Fact(string label, string markup) => facts.AddRow(new Markup($"[grey]{label}[/]"), new Markup(markup));
        Fact("task", $"[bold]{Safe(t.Name)}[/]");
        Fact("workflow", Safe(t.Workflow));
        Fact("state", ListCommand.StateMarkup(t.State, t.Reason));
        Fact("identity", t.Identity);
        Fact("template", Safe(t.Template));
        Fact("directory", Safe(t.Directory));
        if (t.Tags.Count > 0)
        {
            Fact("tags", Safe(string.Join(", ", t.Tags)));
        }
        foreach (var (key, value) in d.Attributes)
        {
            Fact($"attribute {Safe(key)}", Safe(value));
        }
        if (JsonNode.Parse(d.ParamsJson) is JsonObject parameters)
        {
            Fact("command", Safe(parameters["command"]?.GetValue<string>() ?? ""));
            foreach (var role in new[] { "node_args", "task_args", "op_args" })
            {
                if (parameters[role] is JsonObject args && args.Count > 0)
                {
                    Fact(role, Safe(string.Join("  ", args.Select(a => $"{a.Key}={a.Value}"))));
                }
            }
        }
        if (d.Attempts.LastOrDefault(a => a.Argv is not null) is { Argv: { } argv } ran)
        {
            Fact($"ran (attempt {ran.Number})", Safe(string.Join(' ', argv.Select(ShellQuote))));
        }
        Fact("upstream", Links(d.Upstream));
        Fact("downstream", Links(d.Downstream));
        console.Write(facts);

        var history = new Table().Border(TableBorder.Simple).Title("state history");
        history.AddColumns("at (UTC)", "state", "run", "why");
        foreach (var h in d.History)
        {
            history.AddRow(
                h.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                ListCommand.StateMarkup(h.State, h.Reason),
                h.RunId?.ToString(CultureInfo.InvariantCulture) ?? "",
                Safe(h.Message ?? ""));
        }
        console.Write(history);

        if (d.Attempts.Count == 0)
        {
            console.MarkupLine("[grey]no attempts yet[/]");
            return;
        }
        var attempts = new Table().Border(TableBorder.Simple).Title("attempts");
        attempts.AddColumns("#", "outcome", "exit", "started (UTC)", "duration", "host", "pid", "requested", "peak memory", "cpu (user+sys)");
        foreach (var a in d.Attempts)
        {
            attempts.AddRow(
                a.Number.ToString(CultureInfo.InvariantCulture),
                Safe(a.Outcome?.ToWord() ?? "running") + (a.Message is { Length: > 0 } m && a.Outcome != AttemptOutcome.Failed ? $" [grey]({Safe(m)})[/]" : ""),
                a.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                a.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                a.EndedAt is { } end ? FormatDuration(end - a.StartedAt) : "",
                Safe(a.Host),
                a.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "",
                a.Resources is { } r ? Safe(FormatRequest(r)) : "",
                a.Usage is { } u ? HumanUnits.Bytes(u.PeakRssBytes) : "",
                a.Usage is { } c ? FormatDuration(c.Cpu) : "");
        }
        console.Write(attempts);
        console.MarkupLine($"[grey]attempt files (stdout, stderr, exit.json): {Safe(d.Attempts[^1].Directory)}[/]");
    }

    /// <summary>"prepare (done), left (waiting)"; at most 20, then how many more; "none" for none.</summary>
    private static string Links(IReadOnlyList<TaskLink> links) =>
        links.Count == 0
            ? "[grey]none[/]"
            : Safe(string.Join(", ", links.Take(20).Select(l => $"{l.Name} ({l.State.ToWord()})"))
                + (links.Count > 20 ? $" and {links.Count - 20} more" : ""));

    /// <summary>A word as a POSIX shell reads it back: as is when plain, else in single quotes.</summary>
    /// <summary>A value from a workflow file or a task for the terminal: control, bidi and invisible characters escaped, markup too.</summary>
    private static string Safe(string text) => Markup.Escape(QuotedText.Escape(text));

    private static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FormatRequest(ResourceRequest r) =>
        $"{r.Cpus} cpu, memory {ResourceParser.FormatMemory(r.MemoryBytes)}, runtime {ResourceParser.FormatRuntime(r.Runtime)}";

    internal static string FormatDuration(TimeSpan d) => HumanUnits.Duration(d);
}
