using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>Retries that raise memory after an attempt ran out of it, seen through <c>baton run</c> and <c>baton show</c>.</summary>
public sealed class ResourceRetryTests
{
    [Fact]
    public async Task A_task_out_of_memory_on_its_first_attempt_succeeds_with_raised_memory_and_show_displays_each_attempt()
    {
        using var cli = new CliRunner();
        // dd touches every page of one 150 MiB buffer: more than 120M, less than 180M (120M raised by 50 %).
        var workflow = cli.WriteWorkflow("""
            name: hungry
            tasks:
              - name: allocate
                command: dd if=/dev/zero of=/dev/null bs=150M count=20
                resources: { memory: 120M }
                max_attempts: 3
            """);

        var run = await cli.RunAsync("run", workflow, "--memory", "1G", "--no-progress");
        Assert.True(run.ExitCode == 0, run.ToString());

        var show = await cli.RunAsync("show", "allocate", "--json");
        using var json = JsonDocument.Parse(show.Output);
        var attempts = json.RootElement.GetProperty("attempts").EnumerateArray().ToArray();
        Assert.Equal(2, attempts.Length);
        Assert.Equal("out_of_memory", attempts[0].GetProperty("outcome").GetString());
        Assert.Equal(120L << 20, attempts[0].GetProperty("request").GetProperty("memory_bytes").GetInt64());
        Assert.Equal("succeeded", attempts[1].GetProperty("outcome").GetString());
        Assert.Equal(180L << 20, attempts[1].GetProperty("request").GetProperty("memory_bytes").GetInt64());
        Assert.InRange(attempts[1].GetProperty("usage").GetProperty("peak_rss_bytes").GetInt64(), 140L << 20, 180L << 20);

        var table = await cli.RunAsync("show", "allocate");
        Assert.Contains("memory 120M", table.Output, StringComparison.Ordinal);
        Assert.Contains("memory 180M", table.Output, StringComparison.Ordinal);
        Assert.Contains("retry after attempt 1 (out_of_memory", table.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resource_scales: { memory: 0 }", "resource_scales.memory '0' is not a positive factor")]
    [InlineData("resource_scales: { runtime: -1 }", "resource_scales.runtime '-1' is not a positive factor")]
    [InlineData("max_attempts: 2\n    retry_on_exit_codes: [x]", "an exit code in retry_on_exit_codes 'x'")]
    public async Task Bad_retry_settings_are_refused_with_exit_2(string setting, string expected)
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow($"""
            name: bad
            tasks:
              - name: a
                command: /bin/true
                {setting}
            """);

        var result = await cli.RunAsync("run", workflow, "--no-progress");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cli.Workspace));
    }
}
