using System.Globalization;
using System.Text;
using System.Text.Json;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;

namespace Baton.Testing.Executors;

/// <summary>
/// What every executor must do (local now, SLURM later). A concrete test class per executor derives from this and
/// says how to make one. Commands are POSIX shell commands run on the machine (or node) the executor uses; the
/// tests must hold on a loaded two-core machine, so they wait generously and never assert on timing.
/// </summary>
public abstract class ExecutorContractTests : IDisposable
{
    private readonly TempDirectory _temp = new("baton-executor-");

    protected abstract IExecutor CreateExecutor();

    /// <summary>How many short attempts <see cref="Many_short_attempts_all_complete"/> runs.</summary>
    protected virtual int ManyAttempts => 200;

    protected virtual int ManyAttemptsInFlight => 16;

    /// <summary>How long any one attempt may take to be seen ending; generous on purpose.</summary>
    protected virtual TimeSpan CompletionTimeout => TimeSpan.FromMinutes(2);

    /// <summary>How long a command may take to write a file the test waits for; generous on purpose.</summary>
    protected virtual TimeSpan FileTimeout => TimeSpan.FromMinutes(1);

    /// <summary>How long a killed process may take to disappear after the attempt is reported ended.</summary>
    protected virtual TimeSpan VanishTimeout => TimeSpan.FromSeconds(30);

    /// <summary>A runtime limit short enough for a test, long enough for a shell to start on a loaded machine.</summary>
    protected virtual TimeSpan ShortRuntimeLimit => TimeSpan.FromSeconds(3);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected TempDirectory Temp => _temp;

    /// <summary>A fresh, empty task directory.</summary>
    protected string NewTaskDirectory(string name = "task")
    {
        var path = _temp.Combine("tasks", "contract", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    protected static AttemptRequest Request(string taskDirectory, IReadOnlyList<string> argv, int attempt = 1, TimeSpan? runtime = null, long memoryBytes = 0) =>
        new("contract-task", attempt, argv, taskDirectory, WorkspaceLayout.AttemptDirectory(taskDirectory, attempt), new ResourceRequest(1, memoryBytes, runtime));

    private const long MiB = 1024 * 1024;

    /// <summary><c>/bin/sh -c SCRIPT sh ARGS...</c>: the script is the test's own; ARGS reach it as "$@".</summary>
    protected static string[] Shell(string script, params string[] args) => ["/bin/sh", "-c", script, "sh", .. args];

    protected async Task<AttemptResult> CompleteAsync(IAttemptHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return await handle.Completion.WaitAsync(CompletionTimeout, Ct);
    }

    protected async Task<(IAttemptHandle Handle, AttemptResult Result)> RunAsync(IExecutor executor, AttemptRequest request)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var handle = await executor.StartAsync(request, Ct);
        return (handle, await CompleteAsync(handle));
    }

    protected async Task AssertGoneAsync(ProbedProcess process)
    {
        Assert.True(await Eventually.WaitUntilAsync(() => !process.IsRunning, VanishTimeout, Ct), $"{process} still runs");
    }

    /// <summary>Asserts the outcome; on a mismatch the message carries the attempt's stderr, which says why.</summary>
    protected static void AssertOutcome(AttemptOutcome expected, AttemptResult result, AttemptRequest request)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(request);
        if (result.Outcome != expected)
        {
            var stderr = WorkspaceLayout.StderrFile(request.AttemptDirectory);
            Assert.Fail($"expected {expected}, got {result.Outcome} (exit code {result.ExitCode}, {result.Message}); stderr: "
                + (File.Exists(stderr) ? File.ReadAllText(stderr) : "(none)"));
        }
    }

    protected static JsonElement ReadExitJson(AttemptRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = WorkspaceLayout.ExitFile(request.AttemptDirectory);
        Assert.True(File.Exists(path), $"no exit.json at '{path}'");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_succeeding_command_succeeds_with_its_output_in_the_attempt_directory()
    {
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), Shell("echo to-stdout; echo to-stderr >&2"));

        var (handle, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.EndedAt >= result.StartedAt);
        Assert.Equal(handle.StartedAt, result.StartedAt);
        Assert.False(string.IsNullOrEmpty(handle.ExecutorId));
        Assert.False(string.IsNullOrEmpty(handle.Host));
        Assert.Equal("to-stdout\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct));
        Assert.Equal("to-stderr\n", await File.ReadAllTextAsync(WorkspaceLayout.StderrFile(request.AttemptDirectory), Ct));
        Assert.Equal(0, ReadExitJson(request).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task A_failing_command_fails_with_its_exit_code()
    {
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), Shell("exit 3"));

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Failed, result, request);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(3, ReadExitJson(request).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task A_missing_program_is_a_start_failure()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();

        var bare = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, ["baton-no-such-program", "x"]), Ct));
        Assert.Contains("baton-no-such-program", bare.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', bare.Message);

        var absolute = await Assert.ThrowsAsync<ExecutorStartException>(
            async () => await executor.StartAsync(Request(taskDirectory, ["/nonexistent/baton/program"]), Ct));
        Assert.Contains("/nonexistent/baton/program", absolute.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_with_shell_metacharacters_reach_the_program_byte_for_byte()
    {
        string[] values =
        [
            "a; rm -rf ~",
            "$(touch pwned)",
            "`touch pwned`",
            "`id`",
            "\"quoted\" 'single'",
            "*",
            "line one\nline two",
            "héllo wörld ✓ 日本語 🎉",
            "",
            "  spaces  around  ",
            "-n",
            "--",
            "back\\slash\\n",
            "%s%d%%",
            "$HOME ${PATH} $1 $@ $$",
            "~",
            "tab\there",
            "a|b&c>d<e(f)",
            "!history",
            "'",
            "\"",
            "\\",
            "carriage\r\nreturn",
            "; touch pwned #",
            "> pwned",
        ];
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        // Here sh is the program: it prints each of its arguments NUL-terminated, as it received them.
        var request = Request(taskDirectory, Shell("for a; do printf '%s\\0' \"$a\"; done > argv.bin", values));

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        var expected = values.SelectMany(v => Encoding.UTF8.GetBytes(v).Append((byte)0)).ToArray();
        var actual = await File.ReadAllBytesAsync(Path.Combine(taskDirectory, "argv.bin"), Ct);
        Assert.Equal(expected, actual);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Temp.Path, "pwned*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_program_runs_in_the_task_directory()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory, Shell("echo here > marker; pwd -P"));

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        Assert.True(File.Exists(Path.Combine(taskDirectory, "marker")));
        var printed = (await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct)).TrimEnd('\n');
        Assert.Equal(new DirectoryInfo(taskDirectory).ResolveLinkTarget(true)?.FullName ?? taskDirectory, printed);
    }

    [Fact]
    public async Task The_requests_variables_reach_the_program_and_replace_inherited_ones()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        const string value = "two words; $(touch pwned) a=b\nnext line";
        var request = Request(taskDirectory, Shell("printf '%s' \"$BATON_TEST_VALUE\" > value.txt; printf '%s' \"$HOME\" > home.txt; env | grep -c '^HOME=' > homes.txt"))
            with { Environment = new Dictionary<string, string> { ["BATON_TEST_VALUE"] = value, ["HOME"] = "/baton-test-home" } };

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        Assert.Equal(value, await File.ReadAllTextAsync(Path.Combine(taskDirectory, "value.txt"), Ct));
        Assert.Equal("/baton-test-home", await File.ReadAllTextAsync(Path.Combine(taskDirectory, "home.txt"), Ct));
        Assert.Equal("1\n", await File.ReadAllTextAsync(Path.Combine(taskDirectory, "homes.txt"), Ct));
    }

    [Fact]
    public async Task A_variable_name_holding_an_equals_sign_is_a_start_failure()
    {
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), Shell("true")) with { Environment = new Dictionary<string, string> { ["A=B"] = "x" } };

        var error = await Assert.ThrowsAsync<ExecutorStartException>(async () => await executor.StartAsync(request, Ct));

        Assert.Contains("A=B", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attempt_with_a_runtime_limit_is_told_its_deadline_and_one_without_is_not()
    {
        await using var executor = CreateExecutor();
        var limit = TimeSpan.FromHours(1);
        var limited = Request(NewTaskDirectory(), Shell("printf '%s' \"${BATON_DEADLINE-unset}\""), runtime: limit);
        var unlimited = Request(NewTaskDirectory(), Shell("printf '%s' \"${BATON_DEADLINE-unset}\""));
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var (_, limitedResult) = await RunAsync(executor, limited);
        var (_, unlimitedResult) = await RunAsync(executor, unlimited);

        AssertOutcome(AttemptOutcome.Succeeded, limitedResult, limited);
        AssertOutcome(AttemptOutcome.Succeeded, unlimitedResult, unlimited);
        var deadline = long.Parse(await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(limited.AttemptDirectory), Ct), CultureInfo.InvariantCulture);
        // The deadline is about start + limit: not before the test began plus the limit, and not past the attempt's end plus the limit.
        Assert.InRange(deadline, before + (long)limit.TotalSeconds - 1, limitedResult.EndedAt.ToUnixTimeSeconds() + (long)limit.TotalSeconds + 1);
        Assert.Equal("unset", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(unlimited.AttemptDirectory), Ct));
    }

    [Fact]
    public async Task A_relative_program_path_resolves_against_the_task_directory()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        var script = Path.Combine(taskDirectory, "bin", "hello.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        ExecutableFiles.Write(script, "#!/bin/sh\necho \"hello $1\"\n");
        var request = Request(taskDirectory, ["./bin/hello.sh", "world"]);

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        Assert.Equal("hello world\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct));
    }

    [Fact]
    public async Task An_attempt_over_its_runtime_limit_times_out_and_its_processes_are_gone()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory,
            Shell("echo $$ > program.pid; sleep 600 & echo $! > child.pid; wait"), runtime: ShortRuntimeLimit);

        var handle = await executor.StartAsync(request, Ct);
        var program = await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "program.pid"), FileTimeout, Ct);
        var child = await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, "child.pid"), FileTimeout, Ct);
        var result = await CompleteAsync(handle);

        AssertOutcome(AttemptOutcome.TimedOut, result, request);
        Assert.Null(result.ExitCode);
        Assert.Equal("timed_out", ReadExitJson(request).GetProperty("outcome").GetString());
        await AssertGoneAsync(program);
        await AssertGoneAsync(child);
    }

    [Fact]
    public async Task Kill_ends_the_attempt_Killed_and_its_whole_process_tree_is_gone()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        // The program (a shell), a child, and a grandchild under a subshell; "ready" once every pid is written.
        var request = Request(taskDirectory, Shell(
            "echo $$ > program.pid; " +
            "sleep 600 & echo $! > child.pid; " +
            "( sleep 600 & echo $! > grandchild.pid; wait ) & echo $! > subshell.pid; " +
            "wait"));

        var handle = await executor.StartAsync(request, Ct);
        var processes = new List<ProbedProcess>();
        foreach (var name in new[] { "program", "child", "subshell", "grandchild" })
        {
            processes.Add(await Eventually.ReadPidFileAsync(Path.Combine(taskDirectory, name + ".pid"), FileTimeout, Ct));
        }
        await handle.KillAsync(Ct);
        var result = await CompleteAsync(handle);

        AssertOutcome(AttemptOutcome.Killed, result, request);
        Assert.Null(result.ExitCode);
        Assert.Equal("killed", ReadExitJson(request).GetProperty("outcome").GetString());
        foreach (var process in processes)
        {
            await AssertGoneAsync(process);
        }
    }

    [Fact]
    public async Task Kill_after_the_attempt_ended_changes_nothing()
    {
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), Shell("exit 0"));
        var (handle, result) = await RunAsync(executor, request);

        await handle.KillAsync(Ct);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        Assert.Same(result, await CompleteAsync(handle));
        Assert.Equal(0, ReadExitJson(request).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Many_short_attempts_all_complete()
    {
        await using var executor = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        using var slots = new SemaphoreSlim(ManyAttemptsInFlight);
        var runs = new List<Task<(AttemptRequest, AttemptResult)>>();
        for (var i = 1; i <= ManyAttempts; i++)
        {
            await slots.WaitAsync(Ct);
            var request = Request(taskDirectory, Shell("echo \"$1\"", i.ToString(CultureInfo.InvariantCulture)), attempt: i);
            var handle = await executor.StartAsync(request, Ct);
            runs.Add(Finish(handle, request));
        }
        var results = await Task.WhenAll(runs);

        foreach (var (request, result) in results)
        {
            AssertOutcome(AttemptOutcome.Succeeded, result, request);
            var printed = await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(request.AttemptDirectory), Ct);
            Assert.Equal(request.Attempt.ToString(CultureInfo.InvariantCulture) + "\n", printed);
        }

        async Task<(AttemptRequest, AttemptResult)> Finish(IAttemptHandle handle, AttemptRequest request)
        {
            try
            {
                return (request, await CompleteAsync(handle));
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>What the store records of a started attempt, as the engine builds it.</summary>
    protected static AttemptRecord RecordOf(AttemptRequest request, IAttemptHandle handle)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handle);
        return new AttemptRecord(request.TaskName, request.Attempt, handle.ExecutorId, handle.Host, handle.ProcessId, handle.StartedAt,
            request.WorkingDirectory, request.AttemptDirectory, request.Resources);
    }

    /// <summary>
    /// The record changed so that it names a live process that is not the attempt (as after the attempt's pid was
    /// reused); null for an executor without process ids, which skips that case.
    /// </summary>
    protected virtual AttemptRecord? WithReusedProcessId(AttemptRecord record) => null;

    /// <summary>An attempt that ran and ended, and whose exit.json is then gone (as when its supervisor died first).</summary>
    private async Task<(AttemptRequest Request, AttemptRecord Record)> EndedWithoutExitJsonAsync()
    {
        var request = Request(NewTaskDirectory(), Shell("exit 0"));
        AttemptRecord record;
        await using (var first = CreateExecutor())
        {
            var (handle, _) = await RunAsync(first, request);
            record = RecordOf(request, handle);
        }
        File.Delete(WorkspaceLayout.ExitFile(request.AttemptDirectory));
        return (request, record);
    }

    [Fact]
    public async Task Reattaching_to_an_attempt_that_has_ended_reports_its_recorded_outcome()
    {
        var request = Request(NewTaskDirectory(), Shell("exit 3"));
        AttemptRecord record;
        await using (var first = CreateExecutor())
        {
            var (handle, result) = await RunAsync(first, request);
            AssertOutcome(AttemptOutcome.Failed, result, request);
            record = RecordOf(request, handle);
        }

        await using var second = CreateExecutor();
        var reattached = await second.ReattachAsync(record, Ct);
        var again = await CompleteAsync(reattached);

        AssertOutcome(AttemptOutcome.Failed, again, request);
        Assert.Equal(3, again.ExitCode);
    }

    [Fact]
    public async Task Reattaching_to_a_running_attempt_completes_when_it_ends()
    {
        await using var first = CreateExecutor();
        var taskDirectory = NewTaskDirectory();
        var request = Request(taskDirectory, Shell("touch started; while [ ! -f release ]; do sleep 0.05; done; echo done"));
        var handle = await first.StartAsync(request, Ct);
        await Eventually.WaitUntilAsync(() => File.Exists(Path.Combine(taskDirectory, "started")), FileTimeout, Ct);

        await using var second = CreateExecutor();
        var reattached = await second.ReattachAsync(RecordOf(request, handle), Ct);
        Assert.False(reattached.Completion.IsCompleted, "the re-attached attempt ended while its program still runs");
        await File.WriteAllTextAsync(Path.Combine(taskDirectory, "release"), "", Ct);
        var result = await CompleteAsync(reattached);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        AssertOutcome(AttemptOutcome.Succeeded, await CompleteAsync(handle), request);
    }

    [Fact]
    public async Task Reattaching_to_an_attempt_gone_without_exit_json_reports_it_lost()
    {
        var (request, record) = await EndedWithoutExitJsonAsync();

        await using var second = CreateExecutor();
        var result = await CompleteAsync(await second.ReattachAsync(record, Ct));

        AssertOutcome(AttemptOutcome.Lost, result, request);
    }

    [Fact]
    public async Task Reattaching_to_an_attempt_whose_pid_was_reused_does_not_take_the_other_process_for_it()
    {
        var (request, record) = await EndedWithoutExitJsonAsync();
        if (WithReusedProcessId(record) is not { } reused)
        {
            return;
        }

        await using var second = CreateExecutor();
        var result = await CompleteAsync(await second.ReattachAsync(reused, Ct));

        AssertOutcome(AttemptOutcome.Lost, result, request);
    }

    /// <summary>
    /// Whether the executor measures what each attempt used. The SLURM executor takes usage from accounting
    /// (<c>sacct</c>); a cluster without it (the test cluster) reports none, and then no figure may be made up.
    /// </summary>
    protected virtual bool ReportsUsage => true;

    /// <summary>
    /// The unit in which the executor measures wall time: an executor that reads it from a cluster's accounting in
    /// whole seconds (SLURM) may report zero for a program that ran under a second.
    /// </summary>
    protected virtual TimeSpan WallTimeResolution => TimeSpan.Zero;

    [Fact]
    public async Task Usage_reports_the_peak_memory_of_a_program_that_touches_200_MiB()
    {
        await using var executor = CreateExecutor();
        // dd reads /dev/zero into one 200 MiB buffer: every page of it is touched. It asks for 512 MiB: a job that
        // asks for nothing gets the cluster's default (the test SLURM: 100 MB per core), and on a loaded machine dd
        // runs long enough for SLURM's memory sampling to see it over that default and kill it.
        var request = Request(NewTaskDirectory(), ["dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=2"], memoryBytes: 512 * MiB);

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        if (!ReportsUsage)
        {
            Assert.Null(result.Usage);
            return;
        }
        var usage = Assert.IsType<AttemptUsage>(result.Usage);
        Assert.InRange(usage.PeakRssBytes, 200 * MiB * 9 / 10, 200 * MiB * 11 / 10);
        Assert.True(usage.Wall > TimeSpan.Zero || (WallTimeResolution > TimeSpan.Zero && usage.Wall >= TimeSpan.Zero), $"wall time {usage.Wall}");
        Assert.True(usage.Cpu > TimeSpan.Zero, $"cpu time {usage.Cpu}");
    }

    [Fact]
    public async Task An_attempt_past_its_memory_limit_ends_out_of_memory()
    {
        await using var executor = CreateExecutor();
        // About 330 MB held in a shell variable (doubled until large) for a while: time for any enforcement (a
        // watcher, SLURM's accounting poll) to see it.
        var request = Request(NewTaskDirectory(), Shell("x=0123456789; i=0; while [ $i -lt 25 ]; do x=$x$x; i=$((i+1)); done; sleep 60"), memoryBytes: 64 * MiB);

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.OutOfMemory, result, request);
        Assert.Contains("memory limit", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attempt_within_its_memory_limit_is_left_alone()
    {
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=4"], memoryBytes: 256 * MiB);

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
        if (ReportsUsage)
        {
            // Within the limit, and measured; not "at least 64 MiB": when the kernel's figure may be the spawning
            // supervisor's (a small program), the executor reports its own samples, which can miss a short peak on a
            // loaded machine. The 200 MiB test above checks the figure itself.
            Assert.InRange(Assert.IsType<AttemptUsage>(result.Usage).PeakRssBytes, 1, 256 * MiB);
        }
    }

    [Fact]
    public async Task A_small_program_under_a_small_memory_limit_is_not_charged_for_its_executor()
    {
        // A program needs a few MiB; whatever starts it (a supervisor, a job step) must not be counted as its memory.
        await using var executor = CreateExecutor();
        var request = Request(NewTaskDirectory(), Shell("sleep 0.2; echo small"), memoryBytes: 16 * MiB);

        var (_, result) = await RunAsync(executor, request);

        AssertOutcome(AttemptOutcome.Succeeded, result, request);
    }

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
