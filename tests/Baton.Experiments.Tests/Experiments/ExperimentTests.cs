using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Baton.Experiments.Configs;
using Baton.Experiments.Experiments;
using Baton.Experiments.TestTasks;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Experiments.Tests.Experiments;

/// <summary>Experiments submitting typed tasks that run in their own processes (Baton.Experiments.TestTasks), in a real workspace.</summary>
public sealed class ExperimentTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-xp-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Workspace => _directory.Combine("workspace");

    public void Dispose() => _directory.Dispose();

    private async Task<IReadOnlyList<TaskRow>> TasksAsync(string workflow = "test-experiment")
    {
        await using var store = await SqliteStore.OpenAsync(Path.Combine(Workspace, "baton.db"), NullLogger<SqliteStore>.Instance, cancellationToken: Token);
        return await store.ListTasksAsync(new TaskFilter { Workflow = workflow }, Token);
    }

    private async Task<TaskDetails> DetailsAsync(string name)
    {
        await using var store = await SqliteStore.OpenAsync(Path.Combine(Workspace, "baton.db"), NullLogger<SqliteStore>.Instance, cancellationToken: Token);
        var row = (await store.ListTasksAsync(new TaskFilter { NameOrIdentity = name }, Token)).Single();
        return (await store.GetTaskDetailsAsync(row.TaskId, Token))!;
    }

    private static Sum SquaresAndSum(Experiment xp)
    {
        var squares = Enumerable.Range(1, 3).Select(x => xp.Submit(new Square { X = x }).Task).ToList();
        return xp.Submit(new Sum { Inputs = squares }).Task;
    }

    [Fact]
    public async Task Outputs_make_consumers_wait_and_a_second_run_runs_nothing()
    {
        Sum sum;
        await using (var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token))
        {
            sum = SquaresAndSum(xp);
            var summary = await xp.WaitAsync(Token);

            Assert.True(summary.Succeeded);
            Assert.Equal(4, summary.Done);
            Assert.Equal("14", await File.ReadAllTextAsync(sum.Result!.FullName, Token));
        }
        var rows = await TasksAsync();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(TaskState.Done, r.State));
        Assert.StartsWith(Path.Combine(Path.GetFullPath(Workspace), "tasks", typeof(Sum).FullName!), sum.Result!.FullName, StringComparison.Ordinal);

        await using (var again = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token))
        {
            var sumAgain = SquaresAndSum(again);
            var summary = await again.WaitAsync(Token);

            Assert.True(summary.Succeeded);
            Assert.Equal(0, summary.AttemptsStarted);
            Assert.Equal(4, summary.AlreadyDone);
            Assert.Equal(sum.Result.FullName, sumAgain.Result!.FullName);
        }
    }

    [Fact]
    public async Task A_resumable_task_that_stops_gracefully_is_retried_and_resumes_from_its_checkpoint()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var countdown = xp.Submit(new Countdown { Steps = 3, StepsPerAttempt = 1 });

        var summary = await xp.WaitAsync(Token);

        Assert.True(summary.Succeeded);
        Assert.Equal(TaskState.Done, await countdown.Completion);
        Assert.Equal("3", await File.ReadAllTextAsync(countdown.Task.Checkpoint!.FullName, Token));
        Assert.Equal("attempt 1 resumed at 0\nattempt 2 resumed at 1\nattempt 3 resumed at 2\n", await File.ReadAllTextAsync(countdown.Task.Log!.FullName, Token));
        var details = await DetailsAsync(countdown.Name);
        Assert.Equal(TaskState.Done, details.Task.State);
        Assert.Equal([AttemptOutcome.TimedOut, AttemptOutcome.TimedOut, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome));
        // Each attempt kept its own logs.
        Assert.All(details.Attempts, a => Assert.True(File.Exists(Path.Combine(a.Directory, "stderr"))));
        Assert.Contains("graceful timeout", await File.ReadAllTextAsync(Path.Combine(details.Attempts[0].Directory, "stderr"), Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumable_task_submitted_again_with_more_retries_gets_the_higher()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var open = _directory.Combine("open-gate");
        var gate = xp.Submit(new Gate { Id = 1, File = open });
        var once = xp.Submit(new Countdown { Steps = 3, After = gate.Task }, new SubmitOptions { MaxRetries = 0 });
        var again = xp.Submit(new Countdown { Steps = 3, After = gate.Task }, new SubmitOptions { MaxRetries = 5 });
        // Changes reach the run in order: once this later task is done, the raise has been applied.
        await xp.Submit(new Square { X = 5 }).Completion;
        await File.WriteAllTextAsync(open, "", Token);

        var summary = await xp.WaitAsync(Token);

        Assert.True(summary.Succeeded);
        Assert.Equal(once.Identity, again.Identity);
        Assert.Equal(3, (await DetailsAsync(once.Name)).Attempts.Count);
    }

    [Fact]
    public async Task A_resumable_task_under_a_runtime_limit_stops_before_it_and_resumes()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        // 5 s of work (25 steps of 200 ms) under a 6 s limit, stopping when less than 2 s are left: at most 4 s of work
        // per attempt, so at least two attempts; the deadline is in whole seconds, and a slow start eats into it.
        var patient = xp.Submit(new Patient { Steps = 25 }, new SubmitOptions { Resources = new ResourceRequest(1, 0, TimeSpan.FromSeconds(6)), MaxRetries = 20 });

        var summary = await xp.WaitAsync(Token);

        Assert.True(summary.Succeeded);
        Assert.Equal("25", await File.ReadAllTextAsync(patient.Task.Checkpoint!.FullName, Token));
        var details = await DetailsAsync(patient.Name);
        Assert.True(details.Attempts.Count > 1);
        Assert.All(details.Attempts.SkipLast(1), a => Assert.Equal(AttemptOutcome.TimedOut, a.Outcome));
        Assert.Contains("graceful timeout", await File.ReadAllTextAsync(Path.Combine(details.Attempts[0].Directory, "stderr"), Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumable_task_fails_with_reason_timeout_once_its_retries_are_spent()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace, maxRetries: 1), Token);
        var countdown = xp.Submit(new Countdown { Steps = 5, StepsPerAttempt = 1 });

        var summary = await xp.WaitAsync(Token);

        Assert.Equal(1, summary.Failed);
        Assert.Equal(TaskState.Failed, await countdown.Completion);
        var details = await DetailsAsync(countdown.Name);
        Assert.Equal(FailureReason.Timeout, details.Task.Reason);
        Assert.Equal(2, details.Attempts.Count);
    }

    [Fact]
    public async Task A_task_that_is_not_resumable_is_not_retried_after_a_graceful_timeout()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var impatient = xp.Submit(new Impatient { Label = "x" });
        var broken = xp.Submit(new Broken { Seed = 1 });

        await xp.WaitAsync(Token);

        var details = await DetailsAsync(impatient.Name);
        Assert.Equal(FailureReason.Timeout, details.Task.Reason);
        Assert.Equal(AttemptOutcome.TimedOut, Assert.Single(details.Attempts).Outcome);
        var failed = await DetailsAsync(broken.Name);
        Assert.Equal(FailureReason.ExitCode, failed.Task.Reason);
        Assert.Single(failed.Attempts);
        Assert.Contains("broken on purpose", await File.ReadAllTextAsync(Path.Combine(failed.Attempts[0].Directory, "stderr"), Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_tasks_submit_hooks_and_tags_reach_the_task_process()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var probe = xp.Submit(new Probe { Seed = 1 }.WithTag("seed", 1), new SubmitOptions { InitTasks = [new Prepare { Marker = "loaded" }] });
        var plain = xp.Submit(new Probe { Seed = 1 });

        await xp.WaitAsync(Token);

        Assert.Equal("/opt/tool-11|loaded|seed=1", await File.ReadAllTextAsync(probe.Task.Seen!.FullName, Token));
        Assert.NotEqual(probe.Identity, plain.Identity);
        Assert.Equal("/opt/tool-11|none|", await File.ReadAllTextAsync(plain.Task.Seen!.FullName, Token));
        var row = (await TasksAsync()).Single(r => r.Name == probe.Name);
        Assert.Equal(["seed=1"], row.Tags);
    }

    [Fact]
    public async Task A_failed_task_fails_its_consumers_and_on_completed_runs_only_for_done_tasks()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var completed = new List<string>();
        var square = xp.Submit(new Square { X = 2 }).OnCompleted(() => completed.Add("square"));
        var broken = xp.Submit(new Broken { Seed = 2 }).OnCompleted(() => completed.Add("broken"));
        var ended = new List<string>();
        broken.OnFailed(() => ended.Add("broken failed")).OnEnded(state => ended.Add($"broken {state}"));
        square.OnFailed(() => ended.Add("square failed")).OnEnded(state => ended.Add($"square {state}")).OnStarted(attempt => ended.Add($"square started {attempt}"));
        // A consumer of a task's output, submitted from a callback.
        square.OnCompleted(() => xp.Submit(new Sum { Inputs = [square.Task] }).OnCompleted(() => completed.Add("sum")));

        var summary = await xp.WaitAsync(Token);

        Assert.Equal(["square", "sum"], completed);
        Assert.Equal(["broken Failed", "broken failed", "square Done", "square started 1"], ended.Order(StringComparer.Ordinal));
        Assert.True(ended.IndexOf("square started 1") < ended.IndexOf("square Done"), string.Join(", ", ended));
        // A callback added once the task has ended runs at once (on the callback thread).
        var late = new TaskCompletionSource<TaskState>();
        broken.OnEnded(state => late.SetResult(state));
        Assert.Equal(TaskState.Failed, await late.Task.WaitAsync(TimeSpan.FromMinutes(1), Token));
        Assert.Equal(TaskState.Failed, await broken.Completion);
        Assert.Equal(3, summary.Total);
    }

    [Fact]
    public async Task Dynamic_outputs_start_evaluations_while_training_runs_and_are_replayed_on_the_next_run()
    {
        var rendezvous = Directory.CreateDirectory(_directory.Combine("rendezvous")).FullName;
        async Task<(RunSummary Summary, int Evaluations)> RunAsync()
        {
            await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
            var evaluations = 0;
            var trainer = xp.Submit(new Trainer { Checkpoints = 3, Rendezvous = rendezvous });
            // The trainer waits, after each checkpoint, until its evaluation has started: it can only end if
            // evaluations run while it runs.
            trainer.WatchOutput<int>("checkpoint", (step, dependency) =>
            {
                evaluations++;
                xp.Submit(new Evaluation { Checkpoint = dependency.On(new TrainerCheckpoint { Step = step }), Rendezvous = rendezvous });
            });
            var summary = await xp.WaitAsync(Token);
            return (summary, evaluations);
        }

        var first = await RunAsync();
        Assert.True(first.Summary.Succeeded);
        Assert.Equal(3, first.Evaluations);
        Assert.Equal(4, first.Summary.Done);

        var second = await RunAsync();
        Assert.True(second.Summary.Succeeded);
        Assert.Equal(3, second.Evaluations);
        Assert.Equal(0, second.Summary.AttemptsStarted);
        Assert.Equal(4, second.Summary.AlreadyDone);
    }

    [Fact]
    public async Task A_task_used_before_it_was_submitted_is_refused_and_nothing_is_submitted()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);

        var error = Assert.Throws<ConfigException>(() => xp.Submit(new Sum { Inputs = [new Square { X = 1 }] }));

        Assert.Contains("Square, which has not been submitted", error.Message, StringComparison.Ordinal);
        var summary = await xp.WaitAsync(Token);
        Assert.Equal(0, summary.Total);
    }

    [Fact]
    public async Task Outputs_can_be_watched_only_on_resumable_tasks()
    {
        await using var xp = await Experiment.StartAsync(TestPrograms.Options(Workspace), Token);
        var square = xp.Submit(new Square { X = 9 });

        var error = Assert.Throws<ConfigException>(() => square.WatchOutput<int>("x", (_, _) => { }));
        Assert.Contains("ResumableTaskConfig", error.Message, StringComparison.Ordinal);
        await xp.WaitAsync(Token);
    }
}
