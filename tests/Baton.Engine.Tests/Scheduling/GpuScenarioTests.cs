using System.Globalization;
using Baton.Engine.Scheduling;
using static Baton.Engine.Tests.Scheduling.GpuFixtures;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>
/// The GPU scenario of docs/gpus.md: four declared devices of 24 GiB and fifty tasks of different device counts,
/// memory and priorities, scheduled by the real ready queue and pool under a virtual clock. The figures this test
/// prints are the ones in docs/gpus.md.
/// </summary>
public sealed class GpuScenarioTests
{
    private static readonly SchedulingPolicy Baton = new(true, TimeSpan.FromMinutes(30));

    /// <summary>
    /// Fifty tasks from a fixed seed, arriving over two hours; "big" (4 cards of 20 GiB, top priority) arrives while
    /// the cards are busy. Each task declares a runtime limit 10 minutes above what it runs (none with
    /// <paramref name="limits"/> false).
    /// </summary>
    internal static List<SimulatedTask> FiftyTasks(bool limits = true)
    {
        var random = new Random(2026);
        var tasks = new List<SimulatedTask>();
        for (var i = 0; i < 49; i++)
        {
            var devices = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 4 };
            var gib = new[] { 4, 6, 8, 12, 16, 20, 24 }[random.Next(7)];
            var arrival = i < 12 ? TimeSpan.Zero : TimeSpan.FromMinutes(random.Next(120));
            tasks.Add(new SimulatedTask($"t{i:00}", arrival, Gpus(devices, gib * 1024), random.Next(10), TimeSpan.FromMinutes(10 + random.Next(50))));
        }
        tasks.Add(new SimulatedTask("big", TimeSpan.FromMinutes(15), Gpus(4, 20 * 1024), 100, TimeSpan.FromMinutes(30)));
        return tasks.Select(t => t with { Request = t.Request with { Runtime = limits ? t.Duration + TimeSpan.FromMinutes(10) : null } }).ToList();
    }

    [Fact]
    public void Fifty_tasks_never_overcommit_a_card_all_finish_and_backfill_idles_less_than_strict_priority_order()
    {
        var tasks = FiftyTasks();
        var backfill = SchedulingSimulation.Run(tasks, FourCards, Baton);
        var withoutLimits = SchedulingSimulation.Run(FiftyTasks(limits: false), FourCards, Baton);
        var strict = SchedulingSimulation.Run(tasks, FourCards, SchedulingPolicy.Strict);
        var unbounded = SchedulingSimulation.Run(tasks, FourCards, new SchedulingPolicy(true, TimeSpan.MaxValue));

        Report("backfill, reservation after 30 min (Baton's policy), tasks with runtime limits", backfill);
        Report("the same, tasks without runtime limits", withoutLimits);
        Report("backfill without reservation", unbounded);
        Report("strict priority order (cattino)", strict);

        foreach (var result in new[] { backfill, withoutLimits, strict, unbounded })
        {
            Assert.Equal(50, result.Completed);
            Assert.Equal(50, result.Started.Count);
            Assert.InRange(result.MostReservedOnOneDeviceMiB, 1, Card);
        }
        // The big task had to wait (the cards were busy when it arrived), and it does start; with a reservation it
        // waits at most the bounded wait plus the longest task it waits for.
        var big = tasks.Single(t => t.Name == "big");
        Assert.True(backfill.Started["big"] > big.Arrival, "the scenario must make the big task wait");
        Assert.True(backfill.Started["big"] <= big.Arrival + Baton.ReservationAfter + TimeSpan.FromMinutes(60),
            $"big started at {backfill.Started["big"]}");
        Assert.True(withoutLimits.Started["big"] <= big.Arrival + Baton.ReservationAfter + TimeSpan.FromMinutes(60),
            $"big started at {withoutLimits.Started["big"]}");
        Assert.True(backfill.GpuIdleWhileWaiting < strict.GpuIdleWhileWaiting,
            $"backfill idled {backfill.GpuIdleWhileWaiting}, strict order {strict.GpuIdleWhileWaiting}");
        Assert.True(withoutLimits.GpuIdleWhileWaiting < strict.GpuIdleWhileWaiting,
            $"backfill idled {withoutLimits.GpuIdleWhileWaiting}, strict order {strict.GpuIdleWhileWaiting}");
        Assert.True(backfill.Makespan <= strict.Makespan);
    }

    [Fact]
    public void A_stream_of_small_tasks_does_not_starve_a_large_one()
    {
        // One-card tasks of 30 minutes arrive every 5 minutes for 10 hours: without a reservation a card that frees
        // is always taken by the next small task, and the task that needs all four cards waits for the stream to end.
        var tasks = Enumerable.Range(0, 120)
            .Select(i => new SimulatedTask($"s{i:000}", TimeSpan.FromMinutes(5 * i), Gpus(1, Card) with { Runtime = TimeSpan.FromMinutes(40) }, 0, TimeSpan.FromMinutes(30)))
            .Append(new SimulatedTask("large", TimeSpan.FromMinutes(12), Gpus(4, Card) with { Runtime = TimeSpan.FromMinutes(40) }, 1, TimeSpan.FromMinutes(30)))
            .ToList();
        var starving = SchedulingSimulation.Run(tasks, FourCards, new SchedulingPolicy(true, TimeSpan.MaxValue));
        var reserved = SchedulingSimulation.Run(tasks, FourCards, Baton);

        Output($"stream: large starts at {Minutes(starving.Started["large"])} without a reservation, at {Minutes(reserved.Started["large"])} with one");
        Assert.True(starving.Started["large"] >= TimeSpan.FromHours(9), $"large started at {starving.Started["large"]}");
        Assert.True(reserved.Started["large"] <= TimeSpan.FromMinutes(12) + Baton.ReservationAfter + TimeSpan.FromMinutes(30),
            $"large started at {reserved.Started["large"]}");
        Assert.Equal(121, reserved.Completed);
    }

    private static void Report(string policy, SimulationResult result) =>
        Output($"{policy}: makespan {Minutes(result.Makespan)}, GPU idle while tasks wait {Minutes(result.GpuIdleWhileWaiting)} (device-minutes), big starts at {Minutes(result.Started["big"])}");

    private static string Minutes(TimeSpan t) => t.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min";

    private static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
