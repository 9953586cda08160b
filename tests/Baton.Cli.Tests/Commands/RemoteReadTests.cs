using System.Text.Json;
using Baton.Cli.Tests.Server;

namespace Baton.Cli.Tests.Commands;

/// <summary>The reading commands through a server's API (<c>--server</c>) print what they print from the store.</summary>
public sealed class RemoteReadTests
{
    [Fact]
    public async Task Reading_commands_through_the_api_print_what_they_print_from_the_store()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: remote
            defaults:
              max_attempts: 1
            templates:
              step:
                command: sh -c 'echo "out $1"; [ "$1" != 3 ] || { echo "bad $1" >&2; exit 4; }' sh {i}
                node_args: [i]
            tasks:
              - name: step-{i}
                template: step
                foreach: { i: [1, 2, 3, 4, 5] }
                tags: [sweep]
            """);
        var ran = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(ran.ExitCode == 1, ran.ToString());
        await using var server = await TeamServer.StartAsync(cli);
        var token = await TeamServer.TokenAsync(cli, "reader", "read");
        string[] Remote(params string[] command) => [.. command, "--server", server.Address.AbsoluteUri, "--token", token];

        string[][] commands =
        [
            ["ls", "--json"],
            ["ls", "--json", "--state", "failed"],
            ["ls", "--json", "--tag", "sweep", "--limit", "2"],
            ["ls"],
            ["show", "step-2", "--json"],
            ["logs", "step-4"],
            ["logs", "step-3", "--stderr"],
            ["runs", "--json"],
            ["errors", "--json"],
            ["usage", "--json"],
            ["wait", "--task", "step-1"],
        ];
        foreach (var command in commands)
        {
            var local = await cli.RunAsync(command);
            var remote = await cli.RunAsync(Remote(command));
            Assert.True(local.ExitCode == 0, $"{string.Join(' ', command)}: {local}");
            Assert.True(local.ExitCode == remote.ExitCode, $"{string.Join(' ', command)} through the server: {remote}");
            Assert.Equal(local.Output, remote.Output);
        }
        var listed = JsonDocument.Parse((await cli.RunAsync(Remote("ls", "--json"))).Output);
        Assert.Equal(5, listed.RootElement.GetArrayLength());

        var missing = await cli.RunAsync(Remote("show", "no-such-task"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no task 'no-such-task'", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_that_cannot_go_through_a_server_refuse_instead_of_acting_on_the_local_workspace()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: local
            tasks:
              - { name: only, command: 'true' }
            """);

        foreach (var command in new[] { new[] { "resume", "1" }, ["kill", "only"], ["invalidate", "only"], ["node", "stop"], ["clean"] })
        {
            var refused = await cli.RunAsync([.. command, "--server", "http://127.0.0.1:9/"]);
            Assert.True(refused.ExitCode == 2, $"{string.Join(' ', command)}: {refused}");
            Assert.Contains("does not work through a server yet", refused.Error, StringComparison.Ordinal);
            Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        // Nothing ran here: the workspace has no store.
        Assert.False(File.Exists(Path.Combine(cli.Workspace, "baton.db")));
    }
}
