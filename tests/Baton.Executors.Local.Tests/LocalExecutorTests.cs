using System.Diagnostics;
using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Testing;
using Baton.Testing.Executors;
using static Baton.Executors.Local.Tests.TestSupport;

namespace Baton.Executors.Local.Tests;

public sealed class LocalExecutorTests : IDisposable
{
    private readonly TempDirectory _temp = new("baton-local-");

    private static LocalExecutor NewExecutor(TimeSpan? grace = null, string? searchPath = null) =>
        new(new LocalExecutorOptions
        {
            KillGracePeriod = grace ?? TimeSpan.FromSeconds(2),
            SearchPath = searchPath,
        });

    private string NewTaskDirectory() => NewDirectory(_temp.Path, "task-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Attempts_run_on_and_are_recorded_after_the_orchestrator_dies_and_then_the_supervisor_exits()
    {
        // The executor's ends of the pipes are closed without disposing it, as when the orchestrator is killed
        // with SIGKILL: the supervisor reads end of input and its replies fail. The programs are still running.
        var executor = NewExecutor();
        var requests = new List<AttemptRequest>();
        for (var i = 0; i < 3; i++)
        {
            var taskDirectory = NewTaskDirectory();
            var request = Request(taskDirectory,
                Shell("echo $$ > program.pid; while [ ! -e go ]; do sleep 0.05; done; echo finished; exit \"$1\"", (3 + i).ToString(CultureInfo.InvariantCulture)));
            await executor.StartAsync(request, Ct);
            await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), Generous, Ct);
            requests.Add(request);
        }
        var supervisor = ProcessProbe.Find(executor.SupervisorProcessId!.Value)!.Value;

        executor.SimulateOrchestratorDeath();
        Assert.True(supervisor.IsRunning, "the supervisor must outlive the orchestrator while attempts run");
        foreach (var request in requests)
        {
            Assert.False(File.Exists(WorkspaceLayout.ExitFile(request.AttemptDirectory)));
            await File.WriteAllTextAsync(Path.Combine(request.WorkingDirectory, "go"), "", Ct);
        }

        for (var i = 0; i < requests.Count; i++)
        {
            var exitFile = WorkspaceLayout.ExitFile(requests[i].AttemptDirectory);
            Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(exitFile), Generous, Ct), $"no exit.json for attempt {i}");
            Assert.True(ExitRecords.TryRead(exitFile, out var record, out var error), error);
            Assert.Equal(3 + i, record!.ExitCode);
            Assert.Null(record.Outcome);
            Assert.Equal("finished\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(requests[i].AttemptDirectory), Ct));
        }
        Assert.True(await Eventually.WaitUntilAsync(() => !supervisor.IsRunning, Generous, Ct), "the supervisor did not exit after its last attempt");
        await executor.DisposeAsync().AsTask().WaitAsync(Generous, Ct);
    }

    [Fact]
    public async Task After_the_orchestrator_dies_an_attempt_whose_pid_was_never_recorded_is_found_by_its_pid_file()
    {
        var executor = NewExecutor();
        var finishing = Request(NewTaskDirectory(), Shell("echo $$ > program.pid; while [ ! -e go ]; do sleep 0.05; done; exit 4"));
        var killed = Request(NewTaskDirectory(), Shell("echo $$ > program.pid; sleep 600 & echo $! > child.pid; wait"));
        foreach (var request in new[] { finishing, killed })
        {
            await executor.StartAsync(request, Ct);
        }
        var program = await Eventually.ReadPidFileAsync(Path.Combine(killed.WorkingDirectory, "program.pid"), Generous, Ct);
        var child = await Eventually.ReadPidFileAsync(Path.Combine(killed.WorkingDirectory, "child.pid"), Generous, Ct);
        await Eventually.ReadPidFileAsync(Path.Combine(finishing.WorkingDirectory, "program.pid"), Generous, Ct);
        executor.SimulateOrchestratorDeath();

        // The store got neither pid: the orchestrator died before its batch committed.
        await using var next = NewExecutor();
        AttemptRecord Unrecorded(AttemptRequest r) =>
            new(r.TaskName, r.Attempt, "", Environment.MachineName, null, DateTimeOffset.UtcNow, r.WorkingDirectory, r.AttemptDirectory, r.Resources);
        var finishingAgain = await next.ReattachAsync(Unrecorded(finishing), Ct);
        var killedAgain = await next.ReattachAsync(Unrecorded(killed), Ct);
        Assert.Equal(program.ProcessId, killedAgain.ProcessId);
        Assert.False(finishingAgain.Completion.IsCompleted);

        await File.WriteAllTextAsync(Path.Combine(finishing.WorkingDirectory, "go"), "", Ct);
        var result = await finishingAgain.Completion.WaitAsync(Generous, Ct);
        Assert.Equal(AttemptOutcome.Failed, result.Outcome);
        Assert.Equal(4, result.ExitCode);

        await killedAgain.KillAsync(Ct);
        var killedResult = await killedAgain.Completion.WaitAsync(Generous, Ct);
        Assert.Equal(AttemptOutcome.Killed, killedResult.Outcome);
        Assert.True(await Eventually.WaitUntilAsync(() => !program.IsRunning && !child.IsRunning, Generous, Ct), "the killed attempt's processes still run");
        Assert.True(await Eventually.WaitUntilAsync(
            () => ExitRecords.TryRead(WorkspaceLayout.ExitFile(killed.AttemptDirectory), out var r, out _) && r!.Outcome == "killed", Generous, Ct),
            "exit.json does not say killed");
        await executor.DisposeAsync().AsTask().WaitAsync(Generous, Ct);
    }

    [Fact]
    public async Task A_small_program_under_a_small_memory_limit_is_not_charged_with_the_supervisors_memory()
    {
        // The kernel folds the spawning supervisor's peak (tens of MiB) into a vfork-spawned program's ru_maxrss;
        // that figure must neither end a small attempt out of memory nor pass for its own peak.
        await using var executor = NewExecutor();
        var request = Request(NewTaskDirectory(), ["/bin/true"]) with { Resources = new ResourceRequest(1, 4L << 20, null) };

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var record = ExitRecords.TryRead(WorkspaceLayout.ExitFile(request.AttemptDirectory), out var parsed, out _) ? parsed : null;
        Assert.True(record?.Usage?.MaxRssIsUpperBound, "the record should say its max_rss_bytes is only an upper bound");
    }

    [Fact]
    public async Task The_supervisor_runs_in_a_session_of_its_own_and_exits_when_the_executor_is_disposed()
    {
        var executor = NewExecutor();
        Assert.Null(executor.SupervisorProcessId);
        var result = await CompleteAsync(await executor.StartAsync(Request(NewTaskDirectory(), ["/bin/true"]), Ct));
        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var pid = executor.SupervisorProcessId!.Value;
        var supervisor = ProcessProbe.Find(pid)!.Value;

        // A session of its own: it leads its process group, so the terminal's Ctrl-C (sent to the orchestrator's
        // foreground group) does not reach it.
        Assert.True(ProcessIdentity.TryReadStat(pid, out var stat));
        Assert.Equal(pid, stat.ProcessGroupId);
        Assert.NotEqual(Environment.ProcessId, stat.ProcessGroupId);

        await executor.DisposeAsync().AsTask().WaitAsync(Generous, Ct);

        Assert.False(supervisor.IsRunning);
        Assert.Null(executor.SupervisorProcessId);
    }

    [Fact]
    public async Task A_supervisor_that_vanishes_leaves_its_attempts_adopted_killable_and_the_next_start_gets_a_new_one()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory, Shell("echo $$ > program.pid; exec sleep 600"));
        var handle = await executor.StartAsync(request, Ct);
        var program = await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), Generous, Ct);
        var first = executor.SupervisorProcessId!.Value;

        // Someone kills the supervisor alone: the orchestrator (a child subreaper) adopts the program, which runs on.
        using (var supervisor = Process.GetProcessById(first))
        {
            supervisor.Kill();
        }
        // A start sent before the executor has noticed the death fails (it cannot know whether the program began).
        Assert.True(await Eventually.WaitUntilAsync(() => executor.SupervisorProcessId != first, Generous, Ct));
        var next = await CompleteAsync(await executor.StartAsync(Request(NewTaskDirectory(), ["/bin/true"]), Ct));
        Assert.Equal(AttemptOutcome.Succeeded, next.Outcome);
        Assert.NotEqual(first, executor.SupervisorProcessId);
        Assert.True(program.IsRunning, "the adopted program must run on");
        Assert.False(handle.Completion.IsCompleted);

        await handle.KillAsync(Ct);
        var result = await CompleteAsync(handle);

        Assert.Equal(AttemptOutcome.Killed, result.Outcome);
        Assert.True(ExitRecords.TryRead(WorkspaceLayout.ExitFile(request.AttemptDirectory), out var record, out _));
        Assert.Equal("killed", record!.Outcome);
        Assert.False(program.IsRunning);
        Assert.Equal(0, executor.RunningCount);
    }

    [Fact]
    public async Task An_executable_script_without_an_interpreter_line_runs_with_sh()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var script = Path.Combine(taskDirectory, "plain-script");
        WriteExecutable(script, "echo \"from sh: $1\"\n");
        var request = Request(taskDirectory, [script, "arg"]);

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal("from sh: arg\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct));
    }

    [Fact]
    public async Task The_program_gets_exactly_the_orchestrators_environment()
    {
        // The supervisor is a .NET program started by the dotnet host: nothing of that may leak into attempts.
        var expected = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").Order(StringComparer.Ordinal).ToArray();
        await using var executor = NewExecutor();
        var request = Request(NewTaskDirectory(), ["/usr/bin/env", "-0"]);

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var actual = (await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task The_program_leads_its_own_process_group_and_its_identity_is_recorded()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var handle = (LocalAttemptHandle)await executor.StartAsync(Request(taskDirectory, Shell("echo $$ > program.pid; exec sleep 600")), Ct);
        var program = await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), Generous, Ct);

        // One exec per attempt: the program itself is the supervisor's child and leads the group.
        Assert.Equal(program.ProcessId, handle.ProcessGroupId);
        Assert.Equal(executor.SupervisorProcessId, handle.SupervisorProcessId);

        Assert.Equal(handle.ProcessGroupId, handle.ProcessId);
        Assert.Equal(handle.Identity!.Value.ToString(), handle.ExecutorId);
        Assert.Equal(Environment.MachineName, handle.Host);
        Assert.NotNull(handle.ProcessStartTime);
        Assert.Equal(ProcessIdentity.Of(handle.ProcessGroupId), handle.Identity);
        Assert.True(handle.Identity!.Value.IsAlive());
        Assert.True(ProcessIdentity.TryReadStat(handle.ProcessGroupId, out var stat));
        Assert.Equal(handle.ProcessGroupId, stat.ProcessGroupId);
        Assert.Equal(1, executor.RunningCount);

        await handle.KillAsync(Ct);
        Assert.Equal(AttemptOutcome.Killed, (await CompleteAsync(handle)).Outcome);
        Assert.False(handle.Identity!.Value.IsAlive());
        Assert.Equal(0, executor.RunningCount);
    }

    [Fact]
    public async Task The_program_starts_with_default_signal_handling()
    {
        // .NET ignores SIGPIPE in the orchestrator, and Process.Start passes ignored signals on: a program would
        // not die on a closed pipe. Signals 1-31 must be neither ignored nor blocked (32 and 33 belong to libc).
        // exec: grep reads its own status; a shell's would be caught mid-fork with everything blocked.
        await using var executor = NewExecutor();
        var request = Request(NewTaskDirectory(), Shell("exec grep -E '^(SigIgn|SigBlk)' /proc/self/status"));

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var lines = await File.ReadAllLinesAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct);
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            var mask = ulong.Parse(line.Split('\t')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.True((mask & 0x7fff_ffffUL) == 0, line);
        }
    }

    [Fact]
    public async Task A_program_killed_by_a_signal_fails_and_the_message_names_the_signal()
    {
        await using var executor = NewExecutor();
        var request = Request(NewTaskDirectory(), Shell("kill -9 $$"));

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Failed, result.Outcome);
        Assert.Equal(137, result.ExitCode);
        Assert.Contains("signal 9", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runtime_limit_escalates_to_SIGKILL_when_the_program_ignores_SIGTERM()
    {
        await using var executor = NewExecutor(grace: TimeSpan.FromMilliseconds(300));
        var taskDirectory = NewTaskDirectory();
        // trap '' TERM is inherited by the sleeps: only SIGKILL ends any of them.
        var request = Request(taskDirectory,
            Shell("trap '' TERM; echo $$ > program.pid; while :; do sleep 1; done"), runtime: TimeSpan.FromSeconds(1));
        var handle = await executor.StartAsync(request, Ct);
        var program = await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), Generous, Ct);

        var result = await CompleteAsync(handle);

        Assert.Equal(AttemptOutcome.TimedOut, result.Outcome);
        Assert.True(ExitRecords.TryRead(WorkspaceLayout.ExitFile(request.AttemptDirectory), out var record, out var error), error);
        Assert.Equal("timed_out", record!.Outcome);
        Assert.Null(record.ExitCode);
        Assert.True(await Eventually.WaitUntilAsync(() => !program.IsRunning, Generous, Ct));
    }

    [Fact]
    public async Task Background_processes_left_behind_by_a_finished_attempt_are_killed()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory, Shell("sleep 600 & echo $! > straggler.pid"));

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(taskDirectory, "straggler.pid"), Ct)).Trim(), CultureInfo.InvariantCulture);

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var straggler = ProcessProbe.Find(pid);
        Assert.True(straggler is null || await Eventually.WaitUntilAsync(() => !straggler.Value.IsRunning, Generous, Ct));
    }

    [Fact]
    public async Task Disposing_the_executor_kills_every_running_attempt()
    {
        var executor = NewExecutor();
        var handles = new List<IAttemptHandle>();
        var programs = new List<ProbedProcess>();
        for (var i = 1; i <= 3; i++)
        {
            var taskDirectory = NewTaskDirectory();
            handles.Add(await executor.StartAsync(Request(taskDirectory, Shell("echo $$ > program.pid; sleep 600 & wait")), Ct));
            programs.Add(await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), Generous, Ct));
        }

        await executor.DisposeAsync().AsTask().WaitAsync(Generous, Ct);

        foreach (var handle in handles)
        {
            Assert.True(handle.Completion.IsCompleted);
            Assert.Equal(AttemptOutcome.Killed, (await handle.Completion).Outcome);
        }
        foreach (var program in programs)
        {
            Assert.True(await Eventually.WaitUntilAsync(() => !program.IsRunning, Generous, Ct), $"{program} still runs");
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(
            async () => await executor.StartAsync(Request(NewTaskDirectory(), ["/bin/true"]), Ct));
    }

    [Fact]
    public async Task Disposing_right_after_a_start_kills_that_attempt_too()
    {
        // The kill follows the spawn down the same pipe, so it applies even before the start is confirmed.
        var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var start = executor.StartAsync(Request(taskDirectory, Shell("echo $$ > program.pid; exec sleep 600")), Ct);

        await executor.DisposeAsync().AsTask().WaitAsync(Generous, Ct);

        var handle = (LocalAttemptHandle)await start;
        Assert.True(handle.Completion.IsCompleted);
        Assert.Equal(AttemptOutcome.Killed, (await handle.Completion).Outcome);
        Assert.False(handle.Identity!.Value.IsAlive());
    }

    [Fact]
    public async Task Two_thousand_trivial_attempts_eight_in_flight_all_complete()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        using var slots = new SemaphoreSlim(8);
        var completions = new List<Task<AttemptResult>>();
        for (var i = 1; i <= 2000; i++)
        {
            await slots.WaitAsync(Ct);
            var handle = await executor.StartAsync(Request(taskDirectory, ["/bin/true"], attempt: i), Ct);
            completions.Add(Release(handle.Completion));
        }
        var results = await Task.WhenAll(completions).WaitAsync(Generous, Ct);

        Assert.All(results, r => Assert.Equal(AttemptOutcome.Succeeded, r.Outcome));
        Assert.Equal(0, executor.RunningCount);

        async Task<AttemptResult> Release(Task<AttemptResult> completion)
        {
            try
            {
                return await completion;
            }
            finally
            {
                slots.Release();
            }
        }
    }

    [Fact]
    public async Task An_attempt_directory_that_cannot_be_created_is_a_start_failure_naming_it()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var file = Path.Combine(taskDirectory, "a-file");
        await File.WriteAllTextAsync(file, "not a directory", Ct);
        var attemptDirectory = Path.Combine(file, "attempts", "1");
        var request = new AttemptRequest("local-task", 1, ["/bin/true"], taskDirectory, attemptDirectory, ResourceRequest.Default);

        var e = await Assert.ThrowsAsync<ExecutorStartException>(async () => await executor.StartAsync(request, Ct));

        Assert.Contains(attemptDirectory, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_files_that_cannot_be_opened_are_a_start_failure()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory, ["/bin/true"]);
        // stdout cannot be opened for writing when a directory sits at its path.
        Directory.CreateDirectory(WorkspaceLayout.StdoutFile(request.AttemptDirectory));

        var e = await Assert.ThrowsAsync<ExecutorStartException>(async () => await executor.StartAsync(request, Ct));

        Assert.Contains(request.AttemptDirectory, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, executor.RunningCount);
    }

    [Fact]
    public async Task A_missing_working_directory_is_a_start_failure_naming_it()
    {
        await using var executor = NewExecutor();
        var missing = Path.Combine(_temp.Path, "no-such-task");
        var request = Request(missing, ["/bin/true"]);

        var e = await Assert.ThrowsAsync<ExecutorStartException>(async () => await executor.StartAsync(request, Ct));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Programs_that_cannot_be_executed_are_start_failures()
    {
        await using var executor = NewExecutor();
        var taskDirectory = NewTaskDirectory();
        var plain = Path.Combine(taskDirectory, "plain.txt");
        await File.WriteAllTextAsync(plain, "echo hi", Ct);

        var notExecutable = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, [plain]), Ct));
        var directory = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, [taskDirectory]), Ct));
        var empty = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, []), Ct));
        var nul = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, ["/bin/echo", "a\0b"]), Ct));

        Assert.Equal($"program '{plain}' is not executable", notExecutable.Message);
        Assert.True(notExecutable.Permanent);
        Assert.Equal($"program '{taskDirectory}' is a directory", directory.Message);
        Assert.Contains("empty command", empty.Message, StringComparison.Ordinal);
        Assert.Contains("NUL", nul.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(taskDirectory, "attempts")), "nothing is created for an attempt that does not start");
    }

    [Fact]
    public async Task A_bare_program_name_is_looked_up_on_the_search_path()
    {
        var bin = NewDirectory(_temp.Path, "bin");
        WriteExecutable(Path.Combine(bin, "baton-hello"), "#!/bin/sh\necho \"hello from PATH: $1\"\n");
        await using var executor = NewExecutor(searchPath: bin);
        var request = Request(NewTaskDirectory(), ["baton-hello", "x y"]);

        var result = await CompleteAsync(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal("hello from PATH: x y\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct));
        var e = await Assert.ThrowsAsync<ExecutorStartException>(async () => await executor.StartAsync(Request(NewTaskDirectory(), ["true"]), Ct));
        Assert.Equal($"program 'true' not found on PATH (searched {bin})", e.Message);
        Assert.True(e.Permanent);
    }

    public void Dispose() => _temp.Dispose();
}
