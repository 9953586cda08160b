using System.Text.Json;
using Baton.Core.Stores;
using Baton.Engine.Runs;

namespace Baton.Cli.Rendering;

/// <summary>
/// How a run ended, as <c>baton run --json</c> and <c>baton wait RUN --json</c> print it (one object on stdout; field
/// names are stable for scripts). <see cref="Status"/> is <c>done</c>, <c>failed</c>, <c>interrupted</c> or
/// <c>lost</c> (its process died before it finished); <see cref="Done"/> counts the tasks this run made Done,
/// <see cref="AlreadyDone"/> those that were Done before it.
/// </summary>
internal sealed record RunOutcomeJson(long Run, string Workflow, string Status, int Tasks, int Done, int AlreadyDone, int Failed, int Killed, int NotRun)
{
    /// <summary>Attempts the run started; null when only the store's counts were seen (<c>wait</c> on an ended run).</summary>
    public int? Attempts { get; init; }

    public double? Seconds { get; init; }

    /// <summary>The failed and killed tasks, when the command looked them up (<c>run</c>).</summary>
    public IReadOnlyList<TaskJson> Failures { get; init; } = [];

    public static RunOutcomeJson From(string workflow, RunSummary summary, IReadOnlyList<TaskRow> failures) =>
        new(summary.RunId, workflow, StatusOf(summary), summary.Total, summary.Done, summary.AlreadyDone, summary.Failed, summary.Killed, summary.NotRun)
        {
            Attempts = summary.AttemptsStarted,
            Seconds = Math.Round(summary.Elapsed.TotalSeconds, 3),
            Failures = failures.Select(TaskJson.FromRow).ToArray(),
        };

    public static string StatusOf(RunSummary summary) => summary.Succeeded ? "done" : summary.Interrupted ? "interrupted" : "failed";

    public Task WriteAsync(TextWriter output) => output.WriteLineAsync(JsonSerializer.Serialize(this, CliJson.Default.RunOutcomeJson));
}
