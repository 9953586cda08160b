using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using static Baton.Engine.Tests.Scheduling.GpuFixtures;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>
/// Real processes on a declared inventory of four 24 GiB devices. Each attempt writes the devices and memory it was
/// given (its environment) into a shared ledger when it starts and when it ends; replaying the ledger gives the
/// memory reserved on every device at every moment.
/// </summary>
public sealed class GpuRunTests
{
    private static RunOptions Options => new(new ResourceCapacity(8, 8L << 30)) { Gpus = FourCards };

    [Fact]
    public async Task Fifty_tasks_never_overcommit_a_device_and_all_finish()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        var yaml = $$"""
            name: gpus
            templates:
              job:
                command: sh -c 'echo "+ $0 [$BATON_GPUS] [$BATON_GPU_MEMORY_MIB] [$CUDA_VISIBLE_DEVICES]" >> "$1"; sleep 0.2; echo "- $0 [$BATON_GPUS] [$BATON_GPU_MEMORY_MIB] [$CUDA_VISIBLE_DEVICES]" >> "$1"' {i} {ledger}
                node_args: [i]
                op_args: [ledger]
            tasks:
              - name: one-{i}
                template: job
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] }
                args: { ledger: "{{ledger}}" }
                resources: { gpus: 1, gpu_memory: 8G }
                priority: 1
              - name: half-{i}
                template: job
                foreach: { i: [21, 22, 23, 24, 25, 26, 27, 28, 29, 30] }
                args: { ledger: "{{ledger}}" }
                resources: { gpus: 1, gpu_memory: 50% }
                priority: 3
              - name: two-{i}
                template: job
                foreach: { i: [31, 32, 33, 34, 35, 36, 37, 38, 39, 40] }
                args: { ledger: "{{ledger}}" }
                resources: { gpus: 2, gpu_memory: 16G }
                priority: 2
              - name: whole-{i}
                template: job
                foreach: { i: [41, 42, 43, 44, 45] }
                args: { ledger: "{{ledger}}" }
                resources: { gpus: 4 }
              - name: cpu-{i}
                template: job
                foreach: { i: [46, 47, 48, 49] }
                args: { ledger: "{{ledger}}" }
              - name: big
                template: job
                args: { i: 50, ledger: "{{ledger}}" }
                resources: { gpus: 4, gpu_memory: 20G }
                priority: 9
                after: [one-1]
            """;

        var summary = await h.RunAsync(h.Compile(yaml), Options);

        Assert.True(summary.Succeeded);
        Assert.Equal(50, summary.Done);
        var reserved = new long[4];
        var starts = 0;
        var bigStarted = false;
        long most = 0;
        foreach (var line in await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken))
        {
            var parts = line.Split(' ');
            var (sign, task, devices, mib, visible) = (parts[0] == "+" ? 1 : -1, int.Parse(parts[1], CultureInfo.InvariantCulture), List(parts[2]), List(parts[3]), parts[4]);
            // Declared devices have no UUID: CUDA sees the same indices (in PCI bus order).
            Assert.Equal(parts[2], visible);
            Assert.Equal(devices.Length, mib.Length);
            Assert.Equal(task switch { <= 20 => 1, <= 30 => 1, <= 40 => 2, <= 45 => 4, <= 49 => 0, _ => 4 }, devices.Length);
            for (var k = 0; k < devices.Length; k++)
            {
                reserved[devices[k]] += sign * mib[k];
                Assert.True(reserved[devices[k]] <= Card, $"device {devices[k]} holds {reserved[devices[k]]} MiB after: {line}");
                most = Math.Max(most, reserved[devices[k]]);
            }
            starts += sign > 0 ? 1 : 0;
            bigStarted |= task == 50 && sign > 0;
        }
        Assert.Equal(50, starts);
        Assert.True(bigStarted);
        Assert.All(reserved, r => Assert.Equal(0, r));
        // The check is only meaningful if attempts really shared a device.
        Assert.True(most > Card / 2, $"expected attempts to share a device, saw at most {most} MiB on one");
    }

    [Fact]
    public async Task An_impossible_request_fails_validation_naming_the_task_and_the_largest_device_before_anything_is_written()
    {
        await using var h = await EngineHarness.CreateAsync();
        var graph = h.Compile("""
            name: impossible
            tasks:
              - name: fits
                command: echo ok
                resources: { gpus: 1, gpu_memory: 20G }
              - name: huge
                command: echo too big
                resources: { gpus: 1, gpu_memory: 30G }
            """);

        var error = await Assert.ThrowsAsync<BatonInputException>(() => h.RunAsync(graph, Options));

        Assert.EndsWith("workflow.yaml:6:5: task 'huge' needs 30G on each of 1 GPU but the largest device is 0 (declared, 24576 MiB)", error.Message);
        Assert.Empty(await h.Store.ListRunsAsync(null, TestContext.Current.CancellationToken));
        Assert.Empty(await h.Store.ListTasksAsync(new TaskFilter(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task More_devices_than_exist_fails_validation()
    {
        await using var h = await EngineHarness.CreateAsync();
        var graph = h.Compile("""
            name: impossible
            tasks:
              - name: wide
                command: echo too wide
                resources: { gpus: 5 }
            """);
        var error = await Assert.ThrowsAsync<BatonInputException>(() => h.RunAsync(graph, Options));
        Assert.EndsWith("task 'wide' needs 5 GPUs but Baton may use 4 (largest device: 0 (declared, 24576 MiB))", error.Message);
    }

    private static long[] List(string bracketed)
    {
        var inner = bracketed.Trim('[', ']');
        return inner.Length == 0 ? [] : inner.Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    }
}
