using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Hosting.Composition;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Scheduling;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton resources</c>: the GPUs Baton may use (declared or detected) and, while a run drives the workspace, what
/// it holds now: free cores and memory, and per device the memory reserved by Baton's attempts and used by others.
/// </summary>
internal static class ResourcesCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var json = CommonOptions.Json();
        var command = new Command("resources", "Show the GPUs and other resources Baton may use, and what a running workflow holds now") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var setup = NodeSetup.Resolve(new BatonOptions { Workspace = parse.GetValue(common.Workspace) }, cli.Time);
            var (layout, capacity, inventory, probe, problem) = (setup.Layout, setup.Capacity, setup.Gpus, setup.GpuProbe, setup.GpuProblem);
            var snapshots = await LiveSnapshotsAsync(cli, layout, cancellationToken);
            var snapshot = snapshots.Count > 0 ? snapshots[0] : null;

            IReadOnlyList<GpuUsage> gpus = snapshot?.Gpus
                ?? new ResourcePool(capacity, inventory, probe).GpuUsage();
            if (parse.GetValue(json))
            {
                var resources = new CapacityJson(capacity.Cpus, capacity.MemoryBytes, gpus.Count > 0 ? inventory.Source : null, problem,
                    gpus.Select(GpuJson.From).ToArray(), snapshots.Select(ActiveRunJson.From).ToArray());
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(resources, CliJson.Default.CapacityJson));
                return ExitCodes.Success;
            }
            if (problem is not null)
            {
                cli.Console.MarkupLine($"[yellow]{Markup.Escape(problem)}[/]");
            }
            if (gpus.Count == 0)
            {
                cli.Console.MarkupLine("GPUs: none (declare gpus: in the workspace settings, or install nvidia-smi)");
            }
            else
            {
                cli.Console.MarkupLine($"GPUs ({Markup.Escape(inventory.Source)}): {gpus.Count}");
                var table = new Table().Border(TableBorder.Simple);
                table.AddColumns("index", "name", "uuid", "total MiB", "reserved MiB", "attempts", "used by others MiB", "free MiB");
                foreach (var g in gpus)
                {
                    table.AddRow(
                        Number(g.Device.Index),
                        Markup.Escape(g.Device.Name),
                        Markup.Escape(g.Device.Uuid ?? "-"),
                        Number(g.Device.TotalMiB),
                        Number(g.ReservedMiB),
                        Number(g.Attempts),
                        Number(g.ForeignMiB),
                        Number(Math.Max(0, g.Device.TotalMiB - g.ReservedMiB - g.ForeignMiB)));
                }
                cli.Console.Write(table);
            }
            if (snapshots.Count == 0)
            {
                cli.Console.MarkupLine($"cpus: {capacity.Cpus}, memory: {HumanUnits.Bytes(capacity.MemoryBytes)}; no run is active: nothing allocated");
            }
            foreach (var live in snapshots)
            {
                cli.Console.MarkupLine(
                    $"run of workflow [bold]{Markup.Escape(live.Workflow)}[/]: {live.Running} running, {live.Ready} ready; " +
                    $"cpus {live.FreeCpus} of {live.Cpus} free, memory {HumanUnits.Bytes(live.FreeMemoryBytes)} of {HumanUnits.Bytes(live.MemoryBytes)} free" +
                    (live.ReservedFor is { } holder ? $"; reserved for {Markup.Escape(holder)}" : ""));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>What each workflow running in the workspace holds now: each run has a control socket of its own.</summary>
    private static async Task<List<ResourceSnapshot>> LiveSnapshotsAsync(CliContext cli, WorkspaceLayout layout, CancellationToken cancellationToken)
    {
        _ = cli;
        var snapshots = new List<ResourceSnapshot>();
        foreach (var node in await NodeConnections.AllAsync(layout, cancellationToken))
        {
            using (node)
            {
                snapshots.AddRange(await node.ResourcesAsync(cancellationToken));
            }
        }
        return snapshots;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
