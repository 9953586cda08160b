using System.Diagnostics;
using Baton.Core.Lifecycle;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// A task directory that cannot be written (a full disk, a file where a directory should be) is the attempt's
/// executor-error outcome: the run goes on and ends, the store stays whole, and the next run, once the disk has
/// room again, finishes the work.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private const int Tasks = 4;
    private readonly FaultWorkspace _ws = new();

    private string Workflow() => _ws.Workflow("disk", _ws.LedgerTask("head -c 10000 /dev/zero > out.bin"), Tasks, maxAttempts: 2);

    [Fact]
    public async Task An_unwritable_task_directory_is_an_executor_error_not_a_crash_and_the_next_run_recovers()
    {
        var workflow = Workflow();
        // As root, permissions would not stop a write: a file where the template's directory goes does.
        var blocker = Path.Combine(_ws.Workspace, "tasks", "step");
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "in the way", TestContext.Current.CancellationToken);

        var (code, output) = await _ws.RunAsync("run", workflow, "--embedded", "--no-progress", "--cpus", "2");

        Assert.True(code == 1, output);
        Assert.DoesNotContain("internal error", output, StringComparison.Ordinal);
        var tasks = await _ws.TasksAsync("disk");
        Assert.All(tasks, t => Assert.Equal((TaskState.Failed, FailureReason.ExecutorError), (t.State, t.Reason)));
        var attempt = (await _ws.DetailsAsync(tasks[0].TaskId)).Attempts[0];
        Assert.Equal(AttemptOutcome.ExecutorFailed, attempt.Outcome);
        Assert.Contains("tasks/step", attempt.Message, StringComparison.Ordinal);
        Assert.Equal("ok", _ws.IntegrityCheck());

        File.Delete(blocker);
        var again = await _ws.RunAsync("run", workflow, "--embedded", "--no-progress", "--cpus", "2");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.All(await _ws.TasksAsync("disk"), t => Assert.Equal(TaskState.Done, t.State));
        Assert.Equal(Tasks, _ws.LedgerLines().Length);
    }

    [Fact]
    public async Task A_full_disk_under_the_task_directories_is_an_executor_error_and_the_next_run_recovers()
    {
        // A 256 KiB tmpfs over tasks/, filled up, in a private mount namespace (it vanishes with the processes).
        if (!await SucceedsAsync("unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"))
        {
            Assert.Skip("this machine allows no private mount namespace (unshare -r -m), so no small file system can be mounted");
        }
        var workflow = Workflow();
        var tasks = Directory.CreateDirectory(Path.Combine(_ws.Workspace, "tasks")).FullName;
        var codes = Path.Combine(_ws.Root, "codes");
        var script = _ws.Write("full.sh", $"""
            set -u
            mount -t tmpfs -o size=256k tmpfs '{tasks}' || exit 99
            head -c 1000000 /dev/zero > '{tasks}/filler' 2>/dev/null
            '{BatonProcess.Program}' run '{workflow}' --embedded --workspace '{_ws.Workspace}' --no-progress --cpus 2 > '{_ws.Root}/full.out' 2>&1
            echo "full $?" > '{codes}'
            rm '{tasks}/filler'
            '{BatonProcess.Program}' run '{workflow}' --embedded --workspace '{_ws.Workspace}' --no-progress --cpus 2 > '{_ws.Root}/free.out' 2>&1
            echo "free $?" >> '{codes}'
            """);

        Assert.True(await SucceedsAsync("unshare", "-r", "-m", "sh", script), "the script in the mount namespace failed");

        var full = await File.ReadAllTextAsync(Path.Combine(_ws.Root, "full.out"), TestContext.Current.CancellationToken);
        var free = await File.ReadAllTextAsync(Path.Combine(_ws.Root, "free.out"), TestContext.Current.CancellationToken);
        Assert.True(await File.ReadAllTextAsync(codes, TestContext.Current.CancellationToken) == "full 1\nfree 0\n", $"the full disk run:\n{full}\nthe second run:\n{free}");
        Assert.DoesNotContain("internal error", full, StringComparison.Ordinal);
        foreach (var t in await _ws.TasksAsync("disk"))
        {
            Assert.Equal(TaskState.Done, t.State);
            var details = await _ws.DetailsAsync(t.TaskId);
            Assert.Contains(details.Attempts, a => a.Outcome == AttemptOutcome.ExecutorFailed && a.Message!.Contains("No space left on device", StringComparison.Ordinal));
        }
        Assert.Equal("ok", _ws.IntegrityCheck());
        Assert.Equal(Tasks, _ws.LedgerLines().Length);
    }

    [Fact]
    public async Task A_full_disk_under_the_store_stops_the_run_with_a_clear_error_and_the_store_stays_whole()
    {
        if (!await SucceedsAsync("unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"))
        {
            Assert.Skip("this machine allows no private mount namespace (unshare -r -m), so no small file system can be mounted");
        }
        var workflow = _ws.Workflow("many", _ws.LedgerTask("head -c 20000 /dev/zero > out.bin"), 200);
        var copy = Directory.CreateDirectory(Path.Combine(_ws.Root, "copy")).FullName;
        var codes = Path.Combine(_ws.Root, "codes");
        // The whole workspace on a 1 MiB tmpfs: the store itself runs out of room; then the disk grows and the run resumes.
        var script = _ws.Write("store.sh", $"""
            set -u
            mount -t tmpfs -o size=1m tmpfs '{_ws.Workspace}' || exit 99
            '{BatonProcess.Program}' run '{workflow}' --embedded --workspace '{_ws.Workspace}' --no-progress --cpus 2 > '{_ws.Root}/full.out' 2>&1
            echo "full $?" > '{codes}'
            mount -o remount,size=64m '{_ws.Workspace}' || exit 98
            '{BatonProcess.Program}' run '{workflow}' --embedded --workspace '{_ws.Workspace}' --no-progress --cpus 2 > '{_ws.Root}/free.out' 2>&1
            echo "free $?" >> '{codes}'
            cp '{_ws.Workspace}'/baton.db* '{copy}/'
            """);

        Assert.True(await SucceedsAsync("unshare", "-r", "-m", "sh", script), "the script in the mount namespace failed");

        var full = await File.ReadAllTextAsync(Path.Combine(_ws.Root, "full.out"), TestContext.Current.CancellationToken);
        var free = await File.ReadAllTextAsync(Path.Combine(_ws.Root, "free.out"), TestContext.Current.CancellationToken);
        Assert.True(await File.ReadAllTextAsync(codes, TestContext.Current.CancellationToken) == "full 2\nfree 0\n", $"the full disk run:\n{full}\nthe second run:\n{free}");
        Assert.Contains("cannot be written: the disk is full", full, StringComparison.Ordinal);
        File.Move(Path.Combine(copy, "baton.db"), Path.Combine(_ws.Workspace, "baton.db"));
        foreach (var wal in Directory.GetFiles(copy))
        {
            File.Move(wal, Path.Combine(_ws.Workspace, Path.GetFileName(wal)));
        }
        Assert.Equal("ok", _ws.IntegrityCheck());
        // A task whose own write failed on the full disk ran, failed and ran again: the ledger holds each task as
        // often as the store says one of its attempts ran (an attempt that could not start never ran).
        var ledger = _ws.LedgerLines();
        foreach (var t in await _ws.TasksAsync("many"))
        {
            Assert.Equal(TaskState.Done, t.State);
            var ran = (await _ws.DetailsAsync(t.TaskId)).Attempts.Count(a => a.Outcome != AttemptOutcome.ExecutorFailed);
            Assert.True(ledger.Count(l => l == t.Identity) == ran, $"{t.Name}: {ledger.Count(l => l == t.Identity)} runs in the ledger, {ran} attempts that ran in the store");
        }
    }

    private static async Task<bool> SucceedsAsync(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose() => _ws.Dispose();
}
