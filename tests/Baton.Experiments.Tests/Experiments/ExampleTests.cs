using System.Diagnostics;
using Baton.Core.Stores;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Experiments.Tests.Experiments;

/// <summary>examples/csharp-experiment, run end to end as a user runs it (its reduced configuration).</summary>
public sealed class ExampleTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-example-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    private async Task<(int ExitCode, string Output)> RunExampleAsync()
    {
        var command = TestPrograms.Command("CsharpExperiment");
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.Path };
        foreach (var word in command.Skip(1).Concat(["--workspace", _directory.Combine("workspace"), "--quick"]))
        {
            start.ArgumentList.Add(word);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Token);
        var error = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task The_example_runs_evaluates_checkpoints_while_training_runs_and_a_second_run_runs_nothing()
    {
        var first = await RunExampleAsync();
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("13 tasks, 13 ran, 0 already done, 0 failed", first.Output, StringComparison.Ordinal);
        Assert.Contains("best checkpoints first:", first.Output, StringComparison.Ordinal);

        await using (var store = await SqliteStore.OpenAsync(_directory.Combine("workspace", "baton.db"), NullLogger<SqliteStore>.Instance, cancellationToken: Token))
        {
            var rows = await store.ListTasksAsync(new TaskFilter { Workflow = "linear-regression" }, Token);
            var trainings = new List<AttemptRow>();
            var evaluations = new List<(TaskRow Row, AttemptRow Attempt)>();
            foreach (var row in rows)
            {
                var attempt = Assert.Single((await store.GetTaskDetailsAsync(row.TaskId, Token))!.Attempts);
                if (row.Template.EndsWith(".Train", StringComparison.Ordinal))
                {
                    trainings.Add(attempt);
                }
                else if (row.Template.EndsWith(".Evaluate", StringComparison.Ordinal))
                {
                    evaluations.Add((row, attempt));
                    Assert.Contains(row.Tags, t => t.StartsWith("lr=", StringComparison.Ordinal));
                }
            }
            Assert.Equal(2, trainings.Count);
            Assert.Equal(8, evaluations.Count);
            // Evaluations of early checkpoints started while a training was still running.
            Assert.Contains(evaluations, e => trainings.Any(t => e.Attempt.StartedAt < t.EndedAt));
        }

        var second = await RunExampleAsync();
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("13 tasks, 0 ran, 13 already done, 0 failed (0 attempts started)", second.Output, StringComparison.Ordinal);
    }
}
