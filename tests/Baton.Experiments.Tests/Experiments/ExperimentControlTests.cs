using System.Globalization;
using Baton.Cli;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Experiments.Configs;
using Baton.Experiments.Experiments;
using Baton.Experiments.TestTasks;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Baton.Testing.Executors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Experiments.Tests.Experiments;

/// <summary>
/// A running experiment is a run of the workspace like <c>baton run</c>'s: the CLI reaches it, its workflow runs in one
/// place at a time, and tasks it shares with another run never run twice.
/// </summary>
public sealed class ExperimentControlTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-xpc-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Workspace => _directory.Combine("workspace");

    public void Dispose() => _directory.Dispose();

    private async Task<(int Code, string Output)> BatonAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await BatonApp.RunAsync([.. args, "--workspace", Workspace], output, error, null, Token);
        return (code, output.ToString() + error);
    }

    /// <summary>The task process, once it has written its pid.</summary>
    private static async Task<ProbedProcess> StartedAsync(string pidFile)
    {
        Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(pidFile), TimeSpan.FromMinutes(2), Token), $"the task never started ({pidFile})");
        var process = ProcessProbe.Find(int.Parse(await File.ReadAllTextAsync(pidFile, Token), CultureInfo.InvariantCulture));
        Assert.NotNull(process);
        return process.Value;
    }

    [Fact]
    public async Task Baton_kill_stops_a_task_of_a_running_experiment()
    {
        var started = _directory.Combine("hang.pid");
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var hang = xp.Submit(new Hang { Id = 1, Started = started });
        var process = await StartedAsync(started);

        var (code, output) = await BatonAsync("kill", hang.Name);

        Assert.True(code == 0, output);
        Assert.Equal(TaskState.Killed, await hang.Completion.WaitAsync(Token));
        Assert.False(process.IsRunning, $"{process} still runs");
        var summary = await xp.WaitAsync(Token);
        Assert.Equal(1, summary.Killed);
    }

    [Fact]
    public async Task Baton_limit_reaches_a_running_experiment_and_not_one_that_ended()
    {
        await using (var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token))
        {
            var (code, output) = await BatonAsync("limit", "1", "--workflow", "test-experiment");

            Assert.True(code == 0, output);
            Assert.True((await xp.WaitAsync(Token)).Succeeded);
        }
        var (after, refused) = await BatonAsync("limit", "1", "--workflow", "test-experiment");

        Assert.Equal(2, after);
        Assert.Contains("workflow 'test-experiment' is not running", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_experiment_of_the_same_name_is_refused_while_the_first_runs()
    {
        await using var first = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);

        var refused = await Assert.ThrowsAsync<ConfigException>(() => Experiment.StartAsync(TestPrograms.Options(Workspace), Token));

        Assert.Contains("workflow 'test-experiment' is already running", refused.Message, StringComparison.Ordinal);
        // Another experiment shares the workspace.
        await using var other = await Experiment.StartAsync(TestPrograms.Options(Workspace, name: "other"), Token);
        Assert.True((await other.WaitAsync(Token)).Succeeded);
    }

    [Fact]
    public async Task A_task_two_experiments_share_runs_once_and_both_see_it_done()
    {
        var release = _directory.Combine("release");
        var startedFirst = _directory.Combine("first.pid");
        var startedSecond = _directory.Combine("second.pid");
        await using var first = await Experiment.StartAsync(TestPrograms.Options(Workspace, name: "first"), Token);
        await using var second = await Experiment.StartAsync(TestPrograms.Options(Workspace, name: "second"), Token);
        var inFirst = first.Submit(new Hang { Id = 2, Started = startedFirst, Release = release });
        await StartedAsync(startedFirst);
        // The same task (Started and Release are meta: the same identity), while the first experiment runs it.
        var inSecond = second.Submit(new Hang { Id = 2, Started = startedSecond, Release = release });
        Assert.Equal(inFirst.Identity, inSecond.Identity);

        await File.WriteAllTextAsync(release, "", Token);

        Assert.Equal(TaskState.Done, await inFirst.Completion.WaitAsync(Token));
        Assert.Equal(TaskState.Done, await inSecond.Completion.WaitAsync(Token));
        var summary = await second.WaitAsync(Token);
        Assert.Equal(0, summary.AttemptsStarted);
        Assert.False(File.Exists(startedSecond), "the second experiment ran the task too");
        await using var store = await SqliteStore.OpenAsync(Path.Combine(Workspace, "baton.db"), NullLogger<SqliteStore>.Instance, cancellationToken: Token);
        // One task, listed under both workflows, with one attempt.
        var taskId = Assert.Single((await store.ListTasksAsync(new TaskFilter { NameOrIdentity = inFirst.Name }, Token)).Select(r => r.TaskId).Distinct());
        Assert.Single((await store.GetTaskDetailsAsync(taskId, Token))!.Attempts);
    }

    [Fact]
    public async Task On_completed_fires_for_a_task_done_before_the_experiment_was_restarted()
    {
        await using (var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token))
        {
            xp.Submit(new Square { X = 5 });
            Assert.True((await xp.WaitAsync(Token)).Succeeded);
        }

        await using var again = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var completed = 0;
        again.Submit(new Square { X = 5 }).OnCompleted(() => completed++);
        var summary = await again.WaitAsync(Token);

        Assert.Equal(1, summary.AlreadyDone);
        Assert.Equal(0, summary.AttemptsStarted);
        Assert.Equal(1, completed);
    }
}
