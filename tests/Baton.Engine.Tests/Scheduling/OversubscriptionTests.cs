using System.Globalization;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>
/// The scheduler never runs more than the machine's declared capacity. Real processes record when they hold their
/// resources in a shared ledger (appends of one short line are atomic); replaying the ledger gives the cores and
/// memory actually in use at every moment.
/// </summary>
public sealed class OversubscriptionTests
{
    [Fact]
    public async Task Running_attempts_never_hold_more_cores_or_memory_than_the_capacity()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        // Each shape declares its resources twice: as the task's request (what the scheduler reserves) and as
        // op arguments (what the process writes into the ledger).
        var yaml = $$"""
            name: capacity
            templates:
              hold:
                command: sh -c 'echo "+ $1 $2" >> "$3"; sleep 0.3; echo "- $1 $2" >> "$3"' sh {cpus} {mib} {ledger} {i}
                node_args: [i]
                op_args: [cpus, mib, ledger]
            tasks:
              - name: small-{i}
                template: hold
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
                args: { cpus: 1, mib: 300, ledger: "{{ledger}}" }
                resources: { cpus: 1, memory: 300M }
              - name: wide-{i}
                template: hold
                foreach: { i: [11, 12, 13, 14] }
                args: { cpus: 2, mib: 100, ledger: "{{ledger}}" }
                resources: { cpus: 2, memory: 100M }
              - name: heavy-{i}
                template: hold
                foreach: { i: [21, 22, 23, 24] }
                args: { cpus: 1, mib: 600, ledger: "{{ledger}}" }
                resources: { cpus: 1, memory: 600M }
                priority: 5
            """;

        var summary = await h.RunAsync(yaml, cpus: 3, memory: 1024L << 20);

        Assert.True(summary.Succeeded);
        int cpus = 0, mib = 0, maxCpus = 0, maxMib = 0, events = 0;
        foreach (var line in await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken))
        {
            var parts = line.Split(' ');
            var sign = parts[0] == "+" ? 1 : -1;
            cpus += sign * int.Parse(parts[1], CultureInfo.InvariantCulture);
            mib += sign * int.Parse(parts[2], CultureInfo.InvariantCulture);
            maxCpus = Math.Max(maxCpus, cpus);
            maxMib = Math.Max(maxMib, mib);
            events++;
        }
        Assert.Equal(2 * 18, events);
        Assert.InRange(maxCpus, 1, 3);
        Assert.InRange(maxMib, 1, 1024);
        // The check is only meaningful if work really ran side by side.
        Assert.True(maxCpus >= 2, $"expected tasks to run in parallel, saw at most {maxCpus} cores in use");
    }
}
