using Baton.Core.Errors;
using Baton.Core.Workflows;

namespace Baton.Core.Tests.Workflows;

/// <summary>The ordering algorithm on its own, at sizes where a YAML file would only slow the test down.</summary>
public sealed class TopologicalSortTests
{
    private static int[] Order(int[][] upstream) =>
        TopologicalSort.Order(upstream, i => $"t{i}", i => new SourceLocation("wf.yaml", i + 1, 1));

    [Fact]
    public void A_cycle_through_100000_tasks_is_named_without_overflowing_the_stack()
    {
        const int n = 100_000;
        // t_i runs after t_(i+1): the run order is t0 -> t99999 -> ... -> t1 -> t0.
        var upstream = Enumerable.Range(0, n).Select(i => new[] { (i + 1) % n }).ToArray();
        var error = Assert.Throws<BatonInputException>(() => Order(upstream));
        Assert.StartsWith("wf.yaml:1:1: dependency cycle: t0 -> t99999 -> t99998 -> ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(" -> t2 -> t1 -> t0", error.Message, StringComparison.Ordinal);
        // One short line: the middle of a long cycle is left out, and the message says how much.
        Assert.Matches(@" … \([0-9,]+ characters left out\) … ", error.Message);
        Assert.True(error.Message.Length < 1200, $"{error.Message.Length} characters");
    }

    [Fact]
    public void A_chain_declared_backwards_is_ordered_forwards()
    {
        const int n = 200_000;
        // Task i runs after task i + 1, so the last declared runs first: every task waits in the heap once.
        var upstream = Enumerable.Range(0, n).Select(i => i + 1 < n ? new[] { i + 1 } : []).ToArray();
        Assert.Equal(Enumerable.Range(0, n).Reverse(), Order(upstream));
    }

    [Fact]
    public void The_first_declared_ready_task_always_goes_next()
    {
        // 0 after 3; 1 free; 2 after 1; 3 after 2; 4 free.
        int[][] upstream = [[3], [], [1], [2], []];
        Assert.Equal([1, 2, 3, 0, 4], Order(upstream));
    }

    [Fact]
    public void Only_the_tasks_on_the_cycle_are_named()
    {
        // 0 after 1 (hangs off the cycle); 1 after 2; 2 after 1; 3 after 0.
        int[][] upstream = [[1], [2], [1], [0]];
        var error = Assert.Throws<BatonInputException>(() => Order(upstream));
        Assert.Equal("wf.yaml:2:1: dependency cycle: t1 -> t2 -> t1", error.Message);
    }

    [Fact]
    public void An_empty_graph_has_an_empty_order()
    {
        Assert.Empty(Order([]));
    }
}
