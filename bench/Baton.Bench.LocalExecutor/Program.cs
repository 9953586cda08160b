// Usage: dotnet run -c Release -- [attempts] [in-flight list, e.g. 2,4,8]
// TMPDIR decides where the attempt directories go (e.g. /dev/shm to leave the disk out of it).
// Starts N attempts of /bin/true through the local executor, at most K in flight, and prints attempts/s and the
// CPU used per attempt: this process (the orchestrator side), the supervisor process, and the programs.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Executors.Local;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var inFlights = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [2, 4, 8];

var root = Path.Combine(Path.GetTempPath(), "baton-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Directory.CreateDirectory(root);
try
{
    // Warm-up: JIT, the first fork.
    await RunAsync(200, 4, Path.Combine(root, "warmup"));
    foreach (var k in inFlights)
    {
        var dir = Path.Combine(root, $"run-{k}");
        var self0 = Process.GetCurrentProcess().TotalProcessorTime;
        var children0 = Children.Cpu();
        var sw = Stopwatch.StartNew();
        var supervisor = await RunAsync(count, k, dir);
        sw.Stop();
        var self = Process.GetCurrentProcess().TotalProcessorTime - self0;
        // The supervisor has been reaped (the executor was disposed): its CPU and its programs' are ours now.
        var children = Children.Cpu() - children0;
        var programs = children - supervisor;
        var cpu = self + children;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"in-flight {k,2}: {count / sw.Elapsed.TotalSeconds,6:F0} attempts/s  ({sw.Elapsed.TotalSeconds:F2} s, CPU {cpu.TotalMilliseconds / count:F2} ms/attempt: orchestrator {self.TotalMilliseconds / count:F2}, supervisor {supervisor.TotalMilliseconds / count:F2}, programs {programs.TotalMilliseconds / count:F2})"));
        Directory.Delete(dir, true);
    }
}
finally
{
    Directory.Delete(root, true);
}

// Returns the supervisor's own CPU time (its start included), read just before the executor is disposed.
static async Task<TimeSpan> RunAsync(int count, int inFlight, string dir)
{
    var executor = new LocalExecutor(new LocalExecutorOptions());
    var supervisor = TimeSpan.Zero;
    try
    {
        var taskDir = Path.Combine(dir, "task");
        Directory.CreateDirectory(taskDir);
        using var slots = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(count);
        var failures = 0;
        for (var i = 1; i <= count; i++)
        {
            await slots.WaitAsync();
            var request = new AttemptRequest("bench", i, ["/bin/true"], taskDir, Path.Combine(taskDir, "attempts", i.ToString(CultureInfo.InvariantCulture)), ResourceRequest.Default);
            var handle = await executor.StartAsync(request, CancellationToken.None);
            pending.Add(handle.Completion.ContinueWith(t =>
            {
                if (t.Result.Outcome != AttemptOutcome.Succeeded)
                {
                    Interlocked.Increment(ref failures);
                }
                slots.Release();
            }, TaskScheduler.Default));
        }
        await Task.WhenAll(pending);
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} attempts did not succeed");
        }
        supervisor = Children.OwnCpu(executor.SupervisorProcessId ?? 0);
    }
    finally
    {
        await executor.DisposeAsync();
    }
    return supervisor;
}

internal static partial class Children
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    public static TimeSpan Cpu()
    {
        // RUSAGE_CHILDREN = -1: every descendant that has been reaped (the supervisor and, through it, programs).
        _ = GetRusage(-1, out var u);
        return TimeSpan.FromMicroseconds(u.UserSec * 1_000_000 + u.UserUsec + u.SysSec * 1_000_000 + u.SysUsec);
    }

    /// <summary>A live process's own user + system time (/proc/PID/stat fields 14 and 15), children not included.</summary>
    public static TimeSpan OwnCpu(int pid)
    {
        if (pid <= 0)
        {
            return TimeSpan.Zero;
        }
        var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        const int ScClkTck = 2;
        return TimeSpan.FromSeconds((double)ticks / SysConf(ScClkTck));
    }
}
