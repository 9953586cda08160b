using Baton.Cli.Rendering;
using Baton.Core.Lifecycle;
using Baton.Engine.Runs;

namespace Baton.Cli.Tests.Rendering;

/// <summary>The live view's estimate of the time a run has left.</summary>
public sealed class RunEtaTests
{
    [Fact]
    public void The_estimate_is_the_remaining_tasks_at_the_rate_tasks_ended_since_the_view_started()
    {
        var eta = new RunEta();
        // 10 tasks: 2 already done when the view starts, 8 to go.
        Assert.Null(eta.Estimate(Progress(done: 2, running: 2, waiting: 6), TimeSpan.Zero));
        Assert.Null(eta.Estimate(Progress(done: 2, running: 2, waiting: 6), TimeSpan.FromSeconds(5)));

        // 4 more ended in 10 s (0.4 per second); 4 remain: 10 s left.
        Assert.Equal(TimeSpan.FromSeconds(10), eta.Estimate(Progress(done: 5, failed: 1, running: 2, waiting: 2), TimeSpan.FromSeconds(10)));
        Assert.Null(eta.Estimate(Progress(done: 9, failed: 1), TimeSpan.FromSeconds(20)));
    }

    private static RunProgress Progress(int done = 0, int failed = 0, int running = 0, int waiting = 0)
    {
        var counts = new int[Enum.GetValues<TaskState>().Length];
        counts[(int)TaskState.Done] = done;
        counts[(int)TaskState.Failed] = failed;
        counts[(int)TaskState.Running] = running;
        counts[(int)TaskState.Waiting] = waiting;
        var progress = new RunProgress();
        progress.Load(new RunProgressSnapshot([new TemplateProgressSnapshot("t", 0, counts)], 0));
        return progress;
    }
}
