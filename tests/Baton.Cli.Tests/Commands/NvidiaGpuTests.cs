using System.Diagnostics;
using System.Globalization;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// Against a real NVIDIA GPU: run wherever nvidia-smi is on the PATH (skipped elsewhere). A small program uses the
/// CUDA driver API through Python's ctypes (no PyTorch needed): it reports how many devices it sees and which one, and
/// allocates 1 GiB, which nvidia-smi then shows. What these tests showed is recorded in docs/gpus.md.
/// </summary>
public sealed class NvidiaGpuTests
{
    // Prints "count N uuid U pid P" (or "count 0" when CUDA sees no device), allocates 1 GiB on device 0 when there
    // is one, and holds it until the release file exists.
    private const string Probe = """
        import ctypes, os, sys, time
        out, release = sys.argv[1], sys.argv[2]
        cuda = ctypes.CDLL("libcuda.so.1")
        if cuda.cuInit(0) != 0:
            open(out, "w").write("count 0\n")
            sys.exit(0)
        count = ctypes.c_int()
        cuda.cuDeviceGetCount(ctypes.byref(count))
        dev = ctypes.c_int()
        cuda.cuDeviceGet(ctypes.byref(dev), 0)
        raw = (ctypes.c_ubyte * 16)()
        cuda.cuDeviceGetUuid(raw, dev)
        h = bytes(raw).hex()
        uuid = "GPU-%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
        ctx = ctypes.c_void_p()
        assert cuda.cuCtxCreate_v2(ctypes.byref(ctx), 0, dev) == 0
        ptr = ctypes.c_uint64()
        assert cuda.cuMemAlloc_v2(ctypes.byref(ptr), 1 << 30) == 0
        open(out + ".tmp", "w").write("count %d uuid %s pid %d\n" % (count.value, uuid, os.getpid()))
        os.rename(out + ".tmp", out)
        while not os.path.exists(release):
            time.sleep(0.05)
        """;

    private static string? NvidiaSmi() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nvidia-smi")).FirstOrDefault(File.Exists);

    private static string Query(string nvidiaSmi, string query)
    {
        var start = new ProcessStartInfo(nvidiaSmi, [query, "--format=csv,noheader,nounits"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    [Fact]
    public async Task Resources_lists_the_devices_nvidia_smi_reports()
    {
        var nvidiaSmi = NvidiaSmi();
        Assert.SkipWhen(nvidiaSmi is null, "no nvidia-smi on this machine");
        var count = Query(nvidiaSmi!, "--query-gpu=index").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        using var cli = new CliRunner();
        var result = await cli.RunAsync("resources");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"GPUs (nvidia-smi): {count}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_sees_only_its_device_and_its_allocation_shows_in_nvidia_smi()
    {
        var nvidiaSmi = NvidiaSmi();
        Assert.SkipWhen(nvidiaSmi is null, "no nvidia-smi on this machine");
        Assert.SkipUnless(File.Exists("/usr/bin/python3"), "no python3 to run the CUDA probe");
        using var cli = new CliRunner();
        var probe = Path.Combine(cli.Root, "probe.py");
        await File.WriteAllTextAsync(probe, Probe, TestContext.Current.CancellationToken);
        var (withGpu, without, release) = (Path.Combine(cli.Root, "gpu"), Path.Combine(cli.Root, "none"), Path.Combine(cli.Root, "release"));
        var workflow = cli.WriteWorkflow($$"""
            name: real-gpu
            tasks:
              - name: alloc
                command: /usr/bin/python3 {{probe}} {{withGpu}} {{release}}
                resources: { gpus: 1, gpu_memory: 2G }
              - name: blind
                command: /usr/bin/python3 {{probe}} {{without}} {{release}}
            """);
        var run = cli.RunAsync("run", workflow, "--no-progress");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!File.Exists(withGpu) || !File.Exists(without))
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"the run ended before the probes reported: {await run}");
            }
            Assert.True(DateTime.UtcNow < deadline, "the probes did not report");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        var seen = (await File.ReadAllTextAsync(withGpu, TestContext.Current.CancellationToken)).Trim().Split(' ');
        Assert.Equal("1", seen[1]);
        var uuid = seen[3];
        var pid = int.Parse(seen[5], CultureInfo.InvariantCulture);
        Assert.Equal("count 0", (await File.ReadAllTextAsync(without, TestContext.Current.CancellationToken)).Trim());

        // nvidia-smi shows the probe's allocation on the device Baton gave it, and Baton counts it as its own.
        var apps = Query(nvidiaSmi!, "--query-compute-apps=gpu_uuid,pid,used_memory");
        Assert.Contains(apps.Split('\n'), line => line.StartsWith(uuid, StringComparison.Ordinal)
            && line.Contains($", {pid}, ", StringComparison.Ordinal));
        var resources = await cli.RunAsync("resources");
        Assert.Contains("2048", resources.Output, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(resources.Output);
        TestContext.Current.TestOutputHelper?.WriteLine(apps);

        File.WriteAllText(release, "");
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
