using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Baton.Cli.Rendering;

/// <summary>What <c>baton run</c> shows: live progress while it runs, then a summary.</summary>
internal static class RunView
{
    private const int BarWidth = 30;

    /// <summary>
    /// Shows progress until <paramref name="run"/> completes: a live view on a terminal, a line every few
    /// seconds otherwise (CI logs stay readable).
    /// </summary>
    public static async Task FollowAsync(IAnsiConsole console, RunProgress progress, Task run, TimeProvider time, bool live)
    {
        var started = time.GetTimestamp();
        var eta = new RunEta();
        if (live && console.Profile.Capabilities.Interactive)
        {
            await console.Live(Render(progress, eta, time.GetElapsedTime(started), time.GetUtcNow()))
                .AutoClear(false)
                .StartAsync(async context =>
                {
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(100), time));
                        context.UpdateTarget(Render(progress, eta, time.GetElapsedTime(started), time.GetUtcNow()));
                    }
                });
            return;
        }
        var noticed = 0;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), time));
            noticed = PrintNotices(console, progress, noticed);
            if (!run.IsCompleted && live)
            {
                console.MarkupLine(Markup.Escape(StatusLine(progress, eta, time.GetElapsedTime(started))));
            }
        }
        PrintNotices(console, progress, noticed);
    }

    /// <summary>Prints the notices from <paramref name="from"/> on (with --no-progress too: they say what the run does); returns how many there are.</summary>
    private static int PrintNotices(IAnsiConsole console, RunProgress progress, int from)
    {
        var notices = progress.Notices;
        for (var i = from; i < notices.Count; i++)
        {
            console.WriteLine(notices[i]);
        }
        return notices.Count;
    }

    private static Rows Render(RunProgress progress, RunEta eta, TimeSpan elapsed, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn().AddColumn().AddColumn();
        foreach (var template in progress.Templates)
        {
            grid.AddRow(
                new Markup(Markup.Escape(template.Name)),
                new Markup(Bar(template)),
                new Markup(Markup.Escape($"{template.Count(TaskState.Done)}/{template.Total}") + (template.Active > 0 ? $" [blue]{template.Active} running[/]" : "")));
        }
        var lines = progress.Notices.Select(n => (IRenderable)new Text(n)).ToList();
        lines.Add(new Markup("[bold]" + Markup.Escape(StatusLine(progress, eta, elapsed)) + "[/]"));
        lines.Add(grid);
        if (LongestRunning(progress, now) is { } longest)
        {
            lines.Add(new Markup("[grey]" + Markup.Escape(longest) + "[/]"));
        }
        return new Rows(lines);
    }

    /// <summary>"longest running: train-7 (1h 02m), ..." for the few tasks that have run longest; null when none runs.</summary>
    private static string? LongestRunning(RunProgress progress, DateTimeOffset now)
    {
        var longest = progress.LongestRunning(3);
        return longest.Count == 0
            ? null
            : "longest running: " + string.Join(", ", longest.Select(r => $"{QuotedText.Escape(r.Task)} ({HumanUnits.Duration(now - r.StartedAt)})"));
    }

    private static string Bar(TemplateProgress template)
    {
        if (template.Total == 0)
        {
            return "";
        }
        int Width(int count) => (int)Math.Round((double)count * BarWidth / template.Total);
        var done = Width(template.Count(TaskState.Done));
        var failed = Math.Min(BarWidth - done, Width(template.Count(TaskState.Failed) + template.Count(TaskState.Killed)));
        var running = Math.Min(BarWidth - done - failed, Width(template.Active));
        var rest = BarWidth - done - failed - running;
        return $"[green]{new string('━', done)}[/][red]{new string('━', failed)}[/][blue]{new string('━', running)}[/][grey]{new string('━', rest)}[/]";
    }

    private static string StatusLine(RunProgress p, RunEta eta, TimeSpan elapsed)
    {
        var parts = new List<string> { $"{p.Count(TaskState.Done)}/{p.Total} done" };
        void Add(int count, string word)
        {
            if (count > 0)
            {
                parts.Add($"{count} {word}");
            }
        }
        Add(p.Count(TaskState.Running) + p.Count(TaskState.Submitted), "running");
        Add(p.Count(TaskState.Ready), "ready");
        Add(p.Count(TaskState.Waiting), "waiting");
        Add(p.Count(TaskState.Failed), "failed");
        Add(p.Count(TaskState.Killing) + p.Count(TaskState.Killed), "killed");
        if (eta.Estimate(p, elapsed) is { } left)
        {
            parts.Add($"about {HumanUnits.Duration(left)} left");
        }
        return $"[{elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)}s] " + string.Join(", ", parts);
    }

    /// <summary>The summary table and a closing line that says plainly what happened.</summary>
    /// <summary>
    /// Where the view and the run's notices go: the console, or under <c>--json</c> stderr without escape codes, so
    /// that stdout holds the JSON alone.
    /// </summary>
    public static IAnsiConsole ConsoleFor(CliContext cli, bool json) => json
        ? AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(cli.Error),
        })
        : cli.Console;

    /// <summary>How the run ended: the summary table, or with <paramref name="json"/> one JSON object on stdout.</summary>
    public static Task ReportAsync(CliContext cli, bool json, string workflow, RunSummary summary, RunProgress progress, IReadOnlyList<TaskRow> failures)
    {
        if (json)
        {
            return RunOutcomeJson.From(workflow, summary, failures).WriteAsync(cli.Output);
        }
        Summary(cli.Console, workflow, summary, progress, failures);
        return Task.CompletedTask;
    }

    public static void Summary(IAnsiConsole console, string workflow, RunSummary summary, RunProgress progress, IReadOnlyList<TaskRow> failures)
    {
        if (summary.AttemptsStarted == 0 && summary.Succeeded)
        {
            console.MarkupLine($"Nothing to run: all {summary.Total} tasks of [bold]{Markup.Escape(workflow)}[/] are already done.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"workflow [bold]{Markup.Escape(workflow)}[/], run {summary.RunId}");
        table.AddColumns("template", "tasks", "done", "already done", "failed", "killed", "not run");
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }
        foreach (var t in progress.Templates)
        {
            var done = t.Count(TaskState.Done);
            var failed = t.Count(TaskState.Failed);
            var killed = t.Count(TaskState.Killed);
            table.AddRow(
                Markup.Escape(t.Name),
                t.Total.ToString(CultureInfo.InvariantCulture),
                Colour(done - t.AlreadyDone, "green"),
                t.AlreadyDone.ToString(CultureInfo.InvariantCulture),
                Colour(failed, "red"),
                Colour(killed, "yellow"),
                (t.Total - done - failed - killed).ToString(CultureInfo.InvariantCulture));
        }
        console.Write(table);

        var shown = failures.Where(f => f.Reason != FailureReason.UpstreamFailed).Take(10).ToList();
        foreach (var f in shown)
        {
            if (f.State == TaskState.Killed)
            {
                console.MarkupLine($"[yellow]killed[/] {Markup.Escape(f.Name)} ({Count(f.AttemptCount, "attempt")})");
                continue;
            }
            var why = f.Reason == FailureReason.ExitCode && f.LastExitCode is { } code ? $"exit code {code}" : f.Reason.ToWord();
            // An attempt the executor could not start has no stderr file; show says why it did not start.
            var see = f.Reason == FailureReason.ExecutorError ? $"baton show {f.Name}" : $"baton logs {f.Name} --stderr";
            console.MarkupLine($"[red]failed[/] {Markup.Escape(f.Name)} ({Markup.Escape(why)}, {Count(f.AttemptCount, "attempt")}): see [grey]{Markup.Escape(see)}[/]");
        }
        var hidden = failures.Count(f => f.Reason != FailureReason.UpstreamFailed) - shown.Count;
        if (hidden > 0)
        {
            console.MarkupLine($"... and {hidden} more failed tasks (baton ls --state failed)");
        }
        var upstream = failures.Count(f => f.Reason == FailureReason.UpstreamFailed);
        if (upstream > 0)
        {
            console.MarkupLine($"[red]{upstream}[/] {(upstream == 1 ? "task" : "tasks")} did not run because an upstream task failed or was killed.");
        }

        var ran = summary.Done;
        var line = $"{Count(summary.Total, "task")}: {ran} ran and are done, {summary.AlreadyDone} were already done";
        if (summary.Failed > 0)
        {
            line += $", {summary.Failed} failed";
        }
        if (summary.Killed > 0)
        {
            line += $", {summary.Killed} killed";
        }
        if (summary.NotRun > 0)
        {
            line += $", {summary.NotRun} not run";
        }
        line += $" ({Count(summary.AttemptsStarted, "attempt")} in {summary.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s).";
        var colour = summary.Succeeded ? "green" : summary.Interrupted ? "yellow" : "red";
        var verdict = summary.Succeeded ? "Done." : summary.Interrupted ? "Interrupted." : "Failed.";
        console.MarkupLine($"[{colour}]{verdict}[/] {Markup.Escape(line)}");
    }

    private static string Colour(int value, string colour) =>
        value == 0 ? "0" : $"[{colour}]{value.ToString(CultureInfo.InvariantCulture)}[/]";

    /// <summary>"1 attempt", "2 attempts".</summary>
    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
