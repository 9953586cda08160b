using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Engine.Runs;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>Concurrency limits and tokens, over real runs: what the store records of each attempt's start and end.</summary>
public sealed class AdmissionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Eight tasks of template <c>work</c> and one other task, each sleeping a moment.</summary>
    private static string Workflow(string top = "", string template = "", string other = "") => $$"""
        name: limited
        {{top}}
        templates:
          work:
            command: sh -c 'sleep 0.2' {i}
            node_args: [i]
            {{template}}
        tasks:
          - template: work
            foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8] }
          - name: other
            command: sh -c 'sleep 0.2'
            {{other}}
        """;

    [Fact]
    public async Task A_template_limit_of_2_is_never_exceeded_and_is_reached()
    {
        await using var h = await EngineHarness.CreateAsync();

        var summary = await h.RunAsync(Workflow(template: "max_concurrent: 2"), cpus: 8);

        Assert.True(summary.Succeeded);
        Assert.Equal(2, await MaxConcurrentAsync(h, "work-"));
    }

    [Fact]
    public async Task A_workflow_limit_counts_every_template()
    {
        await using var h = await EngineHarness.CreateAsync();

        var summary = await h.RunAsync(Workflow(top: "max_concurrent: 3"), cpus: 8);

        Assert.True(summary.Succeeded);
        Assert.InRange(await MaxConcurrentAsync(h, ""), 1, 3);
    }

    [Fact]
    public async Task A_token_declared_once_lets_one_task_that_asks_for_it_run_at_a_time()
    {
        await using var h = await EngineHarness.CreateAsync();
        var options = new RunOptions(new ResourceCapacity(8, 8L << 30)) { Tokens = new Dictionary<string, int> { ["license"] = 1 } };
        var runner = new WorkflowRunner(h.Store, h.Executor, h.Layout, options);

        var summary = await runner.RunAsync(h.Compile(Workflow(template: "tokens: { license: 1 }", other: "tokens: { license: 1 }")), cancellationToken: Ct);

        Assert.True(summary.Succeeded);
        Assert.Equal(1, await MaxConcurrentAsync(h, ""));
    }

    [Fact]
    public async Task A_task_asking_for_an_undeclared_token_is_refused_before_anything_runs()
    {
        await using var h = await EngineHarness.CreateAsync();

        var error = await Assert.ThrowsAsync<BatonInputException>(() => h.RunAsync(Workflow(other: "tokens: { gpu_license: 1 }")));

        Assert.Contains("token 'gpu_license', which the workspace does not declare", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_raised_while_the_run_runs_lets_more_start_and_an_unknown_template_is_reported()
    {
        await using var h = await EngineHarness.CreateAsync();
        Task<bool>? raised = null;
        Task<bool>? unknown = null;

        var summary = await h.RunAsync(Workflow(template: "max_concurrent: 1"), cpus: 8, onStarted: control =>
        {
            raised = control.SetLimitAsync("work", 4, Ct);
            unknown = control.SetLimitAsync("nope", 2, Ct);
        });

        Assert.True(summary.Succeeded);
        Assert.True(await raised!);
        Assert.False(await unknown!);
        Assert.InRange(await MaxConcurrentAsync(h, "work-"), 1, 4);
    }

    [Fact]
    public async Task Fail_fast_starts_nothing_new_after_the_first_failure()
    {
        await using var h = await EngineHarness.CreateAsync();

        var summary = await h.RunAsync("""
            name: fast
            fail_fast: true
            tasks:
              - name: broken
                command: sh -c 'exit 4'
                max_attempts: 1
                priority: 10
              - name: a
                command: /bin/true a
              - name: b
                command: /bin/true b
            """, cpus: 1);

        Assert.Equal(1, summary.Failed);
        Assert.Equal(2, summary.NotRun);
        Assert.Equal(TaskState.Ready, (await h.TaskAsync("a")).State);
    }

    /// <summary>The most attempts of tasks named with <paramref name="prefix"/> that ran at one time, by their recorded start and end.</summary>
    private static async Task<int> MaxConcurrentAsync(EngineHarness h, string prefix)
    {
        var rows = await h.Store.ListTasksAsync(new TaskFilter(), Ct);
        var events = new List<(DateTimeOffset At, int Delta)>();
        foreach (var row in rows.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var details = await h.Store.GetTaskDetailsAsync(row.TaskId, Ct);
            foreach (var attempt in details!.Attempts)
            {
                events.Add((attempt.StartedAt, +1));
                events.Add((attempt.EndedAt!.Value, -1));
            }
        }
        var running = 0;
        var most = 0;
        // An end and a start at the same instant: the end first (the next start followed it).
        foreach (var (_, delta) in events.OrderBy(e => e.At).ThenBy(e => e.Delta))
        {
            running += delta;
            most = Math.Max(most, running);
        }
        return most;
    }
}
