using System.CommandLine;
using System.Globalization;
using Baton.Cli.Control;
using Baton.Cli.Gpus;
using Baton.Cli.Workspaces;
using Baton.Core.Resources;
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
        var command = new Command("resources", "Show the GPUs and other resources Baton may use, and what a running workflow holds now");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            var settings = Directory.Exists(layout.Root) ? WorkspaceSettings.Load(layout.Root) : new WorkspaceSettings(null, null);
            var capacity = MachineCapacity.Resolve(null, null, settings);
            var (inventory, probe, problem) = MachineGpus.Resolve(settings, cli.Time);
            var live = Directory.Exists(layout.Root)
                ? await ControlClient.TrySendAsync(layout.Root, new ControlRequest("resources", "", []), cancellationToken)
                : null;
            var snapshot = live?.Resources;

            if (problem is not null)
            {
                cli.Console.MarkupLine($"[yellow]{Markup.Escape(problem)}[/]");
            }
            IReadOnlyList<GpuUsage> gpus = snapshot?.Gpus
                ?? new ResourcePool(capacity, inventory, probe).GpuUsage();
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
            if (snapshot is null)
            {
                cli.Console.MarkupLine($"cpus: {capacity.Cpus}, memory: {ResourceParser.FormatMemory(capacity.MemoryBytes)}; no run is active: nothing allocated");
            }
            else
            {
                cli.Console.MarkupLine(
                    $"run of workflow [bold]{Markup.Escape(snapshot.Workflow)}[/]: {snapshot.Running} running, {snapshot.Ready} ready; " +
                    $"cpus {snapshot.FreeCpus} of {snapshot.Cpus} free, memory {ResourceParser.FormatMemory(snapshot.FreeMemoryBytes)} of {ResourceParser.FormatMemory(snapshot.MemoryBytes)} free" +
                    (snapshot.ReservedFor is { } holder ? $"; reserved for {Markup.Escape(holder)}" : ""));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
