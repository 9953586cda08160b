using Baton.Client;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;

namespace Baton.Cli.Tests.Commands;

/// <summary>The node's HTTP API as its clients use it, against a real node process.</summary>
public sealed class NodeApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_event_stream_replays_a_finished_run_in_commit_order_with_no_gap_and_refusals_are_problem_details()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: events
            templates:
              step:
                command: sh -c 'exit 0' sh {i}
                node_args: [i]
            tasks:
              - template: step
                foreach: { i: [1, 2, 3] }
            """);
        Assert.Equal(0, (await cli.RunAsync("run", workflow, "--no-progress")).ExitCode);
        using var node = new NodeClient(NodeEndpoint.For(new WorkspaceLayout(cli.Workspace)).SocketPath);

        var events = new List<StoredEvent>();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await foreach (var e in node.EventsAsync(0, null, enough.Token))
        {
            events.Add(e);
            if (e.Kind == EventKind.RunEnded)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(3, events.Count(e => e is { Kind: EventKind.TaskState, State: TaskState.Done }));
        Assert.Equal(3, events.Count(e => e.Kind == EventKind.AttemptEnded));
        var refused = await Assert.ThrowsAsync<Baton.Core.Errors.BatonInputException>(() => node.SubmitAsync(new RunSubmission(Path.Combine(cli.Root, "missing.yaml")), Ct));
        Assert.Contains("missing.yaml", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<Baton.Core.Errors.BatonInputException>(() => node.InterruptAsync(999, Ct));
    }
}
