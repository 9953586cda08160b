using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>GPUs declared in the workspace settings: runs, validation, <c>baton resources</c> and <c>baton set</c>.</summary>
public sealed class GpuCommandsTests
{
    private const string FourCards = """
        gpus:
          - { index: 0, memory: 24G }
          - { index: 1, memory: 24G }
          - { index: 2, memory: 24G, name: big-one }
          - { index: 3, memory: 24G }
        visible_devices: [0, 1, 2]
        """;

    private static CliRunner WithSettings(string settings)
    {
        var cli = new CliRunner();
        Directory.CreateDirectory(cli.Workspace);
        File.WriteAllText(Path.Combine(cli.Workspace, "settings.yaml"), settings);
        return cli;
    }

    [Fact]
    public async Task A_task_gets_its_devices_in_its_environment()
    {
        using var cli = WithSettings(FourCards);
        var seen = Path.Combine(cli.Root, "seen");
        var workflow = cli.WriteWorkflow($$"""
            name: env
            tasks:
              - name: two
                command: sh -c 'echo "$BATON_GPUS|$CUDA_VISIBLE_DEVICES|$BATON_GPU_MEMORY_MIB" > "$1"' sh {{seen}}-two
                resources: { gpus: 2, gpu_memory: 10G }
              - name: none
                command: sh -c 'echo "${CUDA_VISIBLE_DEVICES-unset}|" > "$1"' sh {{seen}}-none
            """);
        var result = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(result.ExitCode == 0, result.ToString());
        var two = File.ReadAllText(seen + "-two").Trim().Split('|');
        Assert.Equal(2, two[0].Split(',').Length);
        Assert.Equal(two[0], two[1]);
        Assert.Equal("10240,10240", two[2]);
        Assert.DoesNotContain("3", two[0], StringComparison.Ordinal);
        // A task that asked for no GPU sees none.
        Assert.Equal("|", File.ReadAllText(seen + "-none").Trim());
    }

    [Fact]
    public async Task An_impossible_request_is_exit_2_naming_the_task_and_the_largest_device()
    {
        using var cli = WithSettings(FourCards);
        var workflow = cli.WriteWorkflow("""
            name: impossible
            tasks:
              - name: greedy
                command: /bin/true
                resources: { gpus: 4 }
            """);
        var result = await cli.RunAsync("run", workflow);
        Assert.Equal(2, result.ExitCode);
        Assert.EndsWith("task 'greedy' needs 4 GPUs but Baton may use 3 (largest device: 0 (declared, 24576 MiB))\n", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cli.Workspace, "baton.db")));
    }

    [Fact]
    public async Task Bad_gpu_settings_are_exit_2_with_the_file_and_line()
    {
        using var cli = WithSettings("gpus:\n  - { index: 0 }\n");
        var workflow = cli.WriteWorkflow("name: a\ntasks:\n  - name: a\n    command: /bin/true\n");
        var result = await cli.RunAsync("run", workflow);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("settings.yaml:2:5: GPU 0 has no memory: (write its total, such as memory: 24G)", result.Error, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(cli.Workspace, "settings.yaml"), "gpus: [{ memory: 24G }]\nvisible_devices: [3]\n");
        result = await cli.RunAsync("resources");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("visible_devices names GPU 3, which is not in the inventory", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_lists_the_declared_devices_when_no_run_is_active()
    {
        using var cli = WithSettings(FourCards);
        var result = await cli.RunAsync("resources");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("GPUs (settings): 3", result.Output, StringComparison.Ordinal);
        Assert.Contains("big-one", result.Output, StringComparison.Ordinal);
        Assert.Contains("no run is active: nothing allocated", result.Output, StringComparison.Ordinal);

        var json = await cli.RunAsync("resources", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(json.Output);
        var gpus = document.RootElement.GetProperty("gpus").EnumerateArray().ToList();
        Assert.Equal(3, gpus.Count);
        Assert.Contains(gpus, g => g.GetProperty("name").GetString() == "big-one");
        Assert.All(gpus, g => Assert.Equal(g.GetProperty("total_mib").GetInt64(), g.GetProperty("free_mib").GetInt64()));
        Assert.Equal("settings", document.RootElement.GetProperty("gpu_source").GetString());
        Assert.Empty(document.RootElement.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task Set_changes_a_waiting_task_while_the_run_goes_on_and_resources_shows_what_is_held()
    {
        using var cli = WithSettings(FourCards);
        var started = Path.Combine(cli.Root, "started");
        var release = Path.Combine(cli.Root, "release");
        var seen = Path.Combine(cli.Root, "seen");
        var workflow = cli.WriteWorkflow($$"""
            name: live
            tasks:
              - name: gate
                command: sh -c 'echo go > "$1"; while [ ! -e "$2" ]; do sleep 0.05; done' sh {{started}} {{release}}
                resources: { gpus: 1, gpu_memory: 6G }
              - name: later
                command: sh -c 'echo "$BATON_GPUS|$BATON_GPU_MEMORY_MIB" > "$1"' sh {{seen}}
                resources: { gpus: 1 }
                after: [gate]
            """);
        var run = cli.RunAsync("run", workflow, "--no-progress");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(started))
        {
            Assert.False(run.IsCompleted, "the run ended before the gate started");
            Assert.True(DateTime.UtcNow < deadline, "the gate did not start");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var resources = await cli.RunAsync("resources");
        Assert.True(resources.ExitCode == 0, resources.ToString());
        Assert.Contains("run of workflow live: 1 running, 0 ready", resources.Output, StringComparison.Ordinal);
        Assert.Contains("6144", resources.Output, StringComparison.Ordinal);
        var held = await cli.RunAsync("resources", "--json");
        using (var document = System.Text.Json.JsonDocument.Parse(held.Output))
        {
            var live = Assert.Single(document.RootElement.GetProperty("runs").EnumerateArray());
            Assert.Equal("live", live.GetProperty("workflow").GetString());
            Assert.Equal(1, live.GetProperty("running").GetInt32());
            Assert.Equal(6144, document.RootElement.GetProperty("gpus").EnumerateArray().Sum(g => g.GetProperty("reserved_mib").GetInt64()));
        }

        var set = await cli.RunAsync("set", "later", "priority=5", "gpus=2", "gpu_memory=1G");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("later: set priority=5 gpus=2 gpu_memory=1G", set.Output, StringComparison.Ordinal);
        var tooBig = await cli.RunAsync("set", "later", "gpus=4");
        Assert.Equal(2, tooBig.ExitCode);
        Assert.Contains("later: not changed: it would need 4 GPUs but Baton may use 3", tooBig.Output, StringComparison.Ordinal);
        var running = await cli.RunAsync("set", "gate", "priority=1");
        Assert.Equal(2, running.ExitCode);
        Assert.Contains("gate: not changed: it is", running.Output, StringComparison.Ordinal);
        var bad = await cli.RunAsync("set", "later", "gpus=lots");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("gpus 'lots' is not a whole number of at least 0", bad.Error, StringComparison.Ordinal);

        File.WriteAllText(release, "");
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        var later = File.ReadAllText(seen).Trim().Split('|');
        Assert.Equal(2, later[0].Split(',').Length);
        Assert.Equal("1024,1024", later[1]);

        var after = await cli.RunAsync("set", "later", "priority=1");
        Assert.Equal(2, after.ExitCode);
        Assert.Contains("workflow 'live' is not running in this workspace", after.Error, StringComparison.Ordinal);
        var states = JsonDocument.Parse((await cli.RunAsync("ls", "--json")).Output).RootElement.EnumerateArray()
            .Select(t => t.GetProperty("state").GetString()).ToArray();
        Assert.All(states, s => Assert.Equal("done", s));
    }
}
