using Baton.Core.Lifecycle;
using Baton.Engine.Control;
using Baton.Testing.Executors;

namespace Baton.Engine.Tests.Runs;

/// <summary>Whole runs through the real SQLite store and real processes.</summary>
public sealed class WorkflowRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_task_that_always_exits_3_fails_after_max_attempts_its_downstream_fails_without_running_and_an_independent_branch_is_done()
    {
        await using var h = await EngineHarness.CreateAsync();
        var summary = await h.RunAsync("""
            name: failing
            templates:
              exit3:
                command: sh -c 'exit 3' sh {i}
                node_args: [i]
            tasks:
              - name: broken
                template: exit3
                args: { i: 1 }
              - name: after-broken
                command: /bin/true after-broken
                after: [broken]
              - name: after-after
                command: /bin/true after-after
                after: [after-broken]
              - name: independent
                command: /bin/true independent
            """);

        Assert.False(summary.Succeeded);
        Assert.Equal(1, summary.Done);
        Assert.Equal(3, summary.Failed);

        var broken = await h.DetailsAsync("broken");
        Assert.Equal(TaskState.Failed, broken.Task.State);
        Assert.Equal(FailureReason.ExitCode, broken.Task.Reason);
        Assert.Equal(3, broken.Task.LastExitCode);
        Assert.Equal(3, broken.Attempts.Count); // jobmon's default max_attempts
        Assert.All(broken.Attempts, a =>
        {
            Assert.Equal(AttemptOutcome.Failed, a.Outcome);
            Assert.Equal(3, a.ExitCode);
        });
        Assert.Equal([1, 2, 3], broken.Attempts.Select(a => a.Number));

        foreach (var name in new[] { "after-broken", "after-after" })
        {
            var downstream = await h.DetailsAsync(name);
            Assert.Equal(TaskState.Failed, downstream.Task.State);
            Assert.Equal(FailureReason.UpstreamFailed, downstream.Task.Reason);
            Assert.Empty(downstream.Attempts);
            Assert.False(Directory.Exists(downstream.Task.Directory), $"{name} must not have run");
        }

        var independent = await h.TaskAsync("independent");
        Assert.Equal(TaskState.Done, independent.State);
    }

    [Fact]
    public async Task Running_a_finished_workflow_again_runs_nothing()
    {
        await using var h = await EngineHarness.CreateAsync();
        const string yaml = """
            name: twice
            templates:
              touch:
                command: sh -c 'echo run >> "$1"' sh {task_dir}/runs.txt {i}
                node_args: [i]
            tasks:
              - template: touch
                foreach: { i: [1, 2, 3, 4, 5] }
            """;
        var first = await h.RunAsync(yaml);
        Assert.True(first.Succeeded);
        Assert.Equal(5, first.AttemptsStarted);

        var second = await h.RunAsync(yaml);
        Assert.True(second.Succeeded);
        Assert.Equal(0, second.AttemptsStarted);
        Assert.Equal(5, second.AlreadyDone);

        foreach (var i in Enumerable.Range(1, 5))
        {
            var task = await h.DetailsAsync($"touch-{i}");
            Assert.Single(task.Attempts);
            Assert.Equal("run\n", await File.ReadAllTextAsync(Path.Combine(task.Task.Directory, "runs.txt"), Ct));
        }
    }

    [Fact]
    public async Task Resuming_after_a_failure_reruns_only_what_is_not_done_with_attempts_reset_and_a_fresh_attempt_directory()
    {
        await using var h = await EngineHarness.CreateAsync();
        var marker = Path.Combine(h.Scratch, "input-ready");
        var yaml = $$"""
            name: resume
            templates:
              check:
                # The marker path is an op argument: where the input is does not change what the task is.
                command: sh -c 'test -f "$1"' sh {marker}
                op_args: [marker]
                max_attempts: 1
            tasks:
              - name: check
                template: check
                args: { marker: "{{marker}}" }
              - name: after-check
                command: /bin/true after-check
                after: [check]
              - name: independent
                command: /bin/true independent
            """;
        var first = await h.RunAsync(yaml);
        Assert.False(first.Succeeded);
        Assert.Equal(TaskState.Failed, (await h.TaskAsync("check")).State);

        await File.WriteAllTextAsync(marker, "", Ct);
        var second = await h.RunAsync(yaml);

        Assert.True(second.Succeeded);
        Assert.Equal(2, second.AttemptsStarted); // check and after-check; independent was already done
        var check = await h.DetailsAsync("check");
        Assert.Equal(TaskState.Done, check.Task.State);
        Assert.Equal(1, check.Task.AttemptCount); // reset on resume, then one attempt
        Assert.Equal([1, 2], check.Attempts.Select(a => a.Number));
        Assert.EndsWith(Path.Combine("attempts", "2"), check.Attempts[1].Directory, StringComparison.Ordinal);
        Assert.Contains(check.History, e => e.State == TaskState.Waiting && e.Message == "resumed");
        Assert.Single((await h.DetailsAsync("independent")).Attempts);
    }

    [Fact]
    public async Task A_runtime_limit_ends_the_attempt_as_timed_out_and_the_task_failed_with_reason_timeout()
    {
        await using var h = await EngineHarness.CreateAsync();
        var summary = await h.RunAsync("""
            name: slow
            tasks:
              - name: sleeper
                command: sleep 300
                resources: { runtime: 1s }
                max_attempts: 1
            """);
        Assert.False(summary.Succeeded);
        var sleeper = await h.DetailsAsync("sleeper");
        Assert.Equal(TaskState.Failed, sleeper.Task.State);
        Assert.Equal(FailureReason.Timeout, sleeper.Task.Reason);
        Assert.Equal(AttemptOutcome.TimedOut, Assert.Single(sleeper.Attempts).Outcome);
    }

    [Fact]
    public async Task A_missing_program_fails_the_task_at_its_first_attempt_with_an_executor_error_and_the_run_goes_on()
    {
        await using var h = await EngineHarness.CreateAsync();
        var summary = await h.RunAsync("""
            name: missing
            tasks:
              - name: ghost
                command: no-such-program-baton-test --flag
              - name: fine
                command: /bin/true
            """);
        Assert.Equal(1, summary.Done);
        var ghost = await h.DetailsAsync("ghost");
        Assert.Equal(TaskState.Failed, ghost.Task.State);
        Assert.Equal(FailureReason.ExecutorError, ghost.Task.Reason);
        // No retry can start a program that does not exist: one attempt, whatever max_attempts says.
        var attempt = Assert.Single(ghost.Attempts);
        Assert.Equal(AttemptOutcome.ExecutorFailed, attempt.Outcome);
        Assert.Contains("no-such-program-baton-test", attempt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_with_shell_metacharacters_reaches_the_program_byte_for_byte()
    {
        await using var h = await EngineHarness.CreateAsync();
        const string value = "a; rm -rf ~ $(touch pwned) `touch pwned2` \"q\" 'single' * > redirected | cat & {x} \\n";
        var summary = await h.RunAsync("""
            name: metacharacters
            templates:
              echo:
                command: sh -c 'for a; do printf "%s\0" "$a"; done > argv.bin' sh {value} --flag={value}
                node_args: [value]
            tasks:
              - name: meta
                template: echo
                args:
                  value: "a; rm -rf ~ $(touch pwned) `touch pwned2` \"q\" 'single' * > redirected | cat & {x} \\n"
            """);
        Assert.True(summary.Succeeded);
        var task = await h.TaskAsync("meta");
        var argv = await File.ReadAllBytesAsync(Path.Combine(task.Directory, "argv.bin"), Ct);
        var expected = System.Text.Encoding.UTF8.GetBytes(value + "\0--flag=" + value + "\0");
        Assert.Equal(expected, argv);
        Assert.Equal(["argv.bin", "params.json"], Directory.GetFiles(task.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Higher_priority_tasks_start_first()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "order.txt");
        var summary = await h.RunAsync($$"""
            name: priorities
            templates:
              log:
                command: sh -c 'echo "$1" >> "$2"' sh {label} {ledger}
                node_args: [label]
                op_args: [ledger]
            tasks:
              - name: low-{label}
                template: log
                foreach: { label: [low1, low2, low3] }
                args: { ledger: "{{ledger}}" }
              - name: high-{label}
                template: log
                foreach: { label: [high1, high2, high3] }
                args: { ledger: "{{ledger}}" }
                priority: 10
            """, cpus: 1);
        Assert.True(summary.Succeeded);
        Assert.Equal(["high1", "high2", "high3", "low1", "low2", "low3"], await File.ReadAllLinesAsync(ledger, Ct));
    }

    [Fact]
    public async Task Killing_a_running_task_kills_it_and_fails_its_downstream()
    {
        await using var h = await EngineHarness.CreateAsync();
        var started = Path.Combine(h.Scratch, "started");
        IRunControl? control = null;
        var run = h.RunAsync($$"""
            name: kill
            tasks:
              - name: sleeper
                command: sh -c 'echo $$ > "$1"; exec sleep 600' sh {{started}}
              - name: after-sleeper
                command: /bin/true
                after: [sleeper]
            """, onStarted: c => control = c);
        await EngineHarness.EventuallyAsync(() => File.Exists(started) && new FileInfo(started).Length > 0, "the sleeper to start", run);

        var pid = int.Parse((await File.ReadAllTextAsync(started, Ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var process = ProcessProbe.Find(pid);
        Assert.True(process is { IsRunning: true }, "the sleeper must be running before the kill");

        var report = await control!.KillAsync(["sleeper"], Ct);
        var summary = await run;

        Assert.Equal([("sleeper", "killed")], report.Tasks);
        Assert.Equal(1, summary.Killed);
        var sleeper = await h.DetailsAsync("sleeper");
        Assert.Equal(TaskState.Killed, sleeper.Task.State);
        Assert.Equal(AttemptOutcome.Killed, Assert.Single(sleeper.Attempts).Outcome);
        Assert.Equal(
            [TaskState.Waiting, TaskState.Ready, TaskState.Submitted, TaskState.Running, TaskState.Killing, TaskState.Killed],
            sleeper.History.Select(e => e.State));
        Assert.False(process.Value.IsRunning, "the killed process must be gone");
        var downstream = await h.TaskAsync("after-sleeper");
        Assert.Equal(TaskState.Failed, downstream.State);
        Assert.Equal(FailureReason.UpstreamFailed, downstream.Reason);
    }

    [Fact]
    public async Task Interrupting_a_run_kills_running_attempts_and_the_next_run_goes_on_from_there()
    {
        await using var h = await EngineHarness.CreateAsync();
        var started = Path.Combine(h.Scratch, "started");
        var release = Path.Combine(h.Scratch, "release");
        var yaml = $$"""
            name: interrupt
            tasks:
              - name: blocker
                command: sh -c 'echo > "$1"; test -f "$2" || exec sleep 600' sh {{started}} {{release}}
              - name: after-blocker
                command: /bin/true
                after: [blocker]
            """;
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = h.RunAsync(yaml, interrupt: interrupt);
        await EngineHarness.EventuallyAsync(() => File.Exists(started), "the blocker to start", run);
        await interrupt.CancelAsync();
        var interrupted = await run;

        Assert.True(interrupted.Interrupted);
        Assert.Equal(TaskState.Killed, (await h.TaskAsync("blocker")).State);
        Assert.Equal(TaskState.Waiting, (await h.TaskAsync("after-blocker")).State);

        await File.WriteAllTextAsync(release, "", Ct);
        var resumed = await h.RunAsync(yaml);
        Assert.True(resumed.Succeeded);
        Assert.Equal(TaskState.Done, (await h.TaskAsync("after-blocker")).State);
    }

    [Fact]
    public async Task Upstream_directories_reach_downstream_commands_through_dir_references_and_the_upstream_list()
    {
        await using var h = await EngineHarness.CreateAsync();
        var summary = await h.RunAsync("""
            name: data
            templates:
              produce:
                command: sh -c 'echo "$1" > value.txt' sh {n}
                node_args: [n]
              double:
                command: sh -c 'echo $(( $(cat "$1") * 2 )) > value.txt' sh {dir:produce-{n}}/value.txt
                node_args: [n]
            tasks:
              - template: produce
                foreach: { n: [1, 2, 3] }
              - template: double
                foreach: { n: [1, 2, 3] }
              - name: sum
                command: sh -c 'total=0; while read -r d; do total=$((total + $(cat "$d/value.txt"))); done < "$1"; echo $total > value.txt' sh {upstream_dirs}
                after: [double]
            """);
        Assert.True(summary.Succeeded);
        var sum = await h.TaskAsync("sum");
        Assert.Equal("12", (await File.ReadAllTextAsync(Path.Combine(sum.Directory, "value.txt"), Ct)).Trim());
    }
}
