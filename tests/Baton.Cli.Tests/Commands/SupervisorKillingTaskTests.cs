using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// A task that SIGKILLs the local executor's supervisor while 10 other tasks run (issue 16): the 10 end with their
/// true outcomes on their first attempt; nothing else is charged for what one task did.
/// </summary>
public sealed class SupervisorKillingTaskTests
{
    [Fact]
    public async Task The_other_tasks_end_with_their_own_outcomes_on_their_first_attempt()
    {
        using var cli = new CliRunner();
        var shared = Path.Combine(cli.Root, "shared");
        Directory.CreateDirectory(shared);
        // Each worker says it runs, waits for the go, and exits with its own code (0..9).
        // The killer waits until all ten run, kills its parent (the supervisor), then gives the go.
        var yaml = $$"""
            name: hostile
            templates:
              worker:
                command: sh -c 'touch {{shared}}/started-$1; while [ ! -e {{shared}}/go ]; do sleep 0.05; done; echo out-$1; exit $1' sh {i}
                node_args: [i]
            tasks:
              - name: w{i}
                template: worker
                foreach: { i: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }
                max_attempts: 1
              - name: killer
                command: sh -c 'while [ $(ls {{shared}} | grep -c started) -lt 10 ]; do sleep 0.05; done; sleep 0.5; kill -9 $PPID; touch {{shared}}/go'
                max_attempts: 1
            """;
        var run = await cli.RunAsync("run", cli.WriteWorkflow(yaml), "--cpus", "11", "--no-progress");
        Assert.True(run.ExitCode == 1, run.ToString());

        var ls = await cli.RunAsync("ls", "--json");
        using var tasks = JsonDocument.Parse(ls.Output);
        var byName = tasks.RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal("done", byName["w0"].GetProperty("state").GetString());
        for (var i = 0; i < 10; i++)
        {
            var task = byName[$"w{i}"];
            Assert.True(task.GetProperty("attempts").GetInt32() == 1, task.ToString());
            if (i > 0)
            {
                Assert.True(task.GetProperty("state").GetString() == "failed" && task.GetProperty("exit_code").GetInt32() == i, task.ToString());
            }
        }
        Assert.Equal(0, byName["killer"].GetProperty("exit_code").GetInt32());
    }
}
