using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Engine.Status;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton usage [--template T] [--workflow W] [--suggest]</c>: what succeeded attempts used, min / mean / max
/// per template, and optionally a resources block for the workflow file with headroom (jobmon's "resources yaml").
/// </summary>
internal static class UsageCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var template = new Option<string?>("--template") { Description = "Only this template" };
        var workflow = CommonOptions.WorkflowFilter("Only this workflow's tasks");
        var suggest = new Option<bool>("--suggest") { Description = "Print a templates: block with suggested resources instead" };
        var headroom = new Option<double>("--headroom") { Description = "Room to spare in suggestions, as a fraction (0.2 = 20 %)", DefaultValueFactory = _ => 0.2 };
        var all = CommonOptions.AllVersions("the tasks");
        var json = CommonOptions.Json();
        var command = new Command("usage", "Resource usage per template (min / mean / max of succeeded attempts)") { template, workflow, suggest, headroom, all, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var spare = parse.GetValue(headroom);
            if (spare < 0 || !double.IsFinite(spare))
            {
                throw new BatonInputException($"--headroom {spare.ToString(CultureInfo.InvariantCulture)} is not valid: give a fraction of at least 0, such as 0.2");
            }
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var usage = await source.Reads.UsageAsync(new InsightQuery { Workflow = parse.GetValue(workflow), Template = parse.GetValue(template), AllVersions = parse.GetValue(all) }, cancellationToken);
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(usage.ToArray(), CliJson.Default.TemplateUsageArray));
                return ExitCodes.Success;
            }
            if (usage.Count == 0)
            {
                cli.Console.MarkupLine("[grey]no measured attempts that succeeded[/]");
                return ExitCodes.Success;
            }
            if (parse.GetValue(suggest))
            {
                await cli.Output.WriteAsync(UsageReport.SuggestedYaml(usage, spare));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("template", "attempts", "wall min / mean / max", "cpu min / mean / max", "peak memory min / mean / max");
            foreach (var u in usage)
            {
                table.AddRow(
                    Markup.Escape(u.Task is null ? u.Template : $"{u.Template} ({u.Task})"),
                    u.Attempts.ToString(CultureInfo.InvariantCulture),
                    Seconds(u.WallSeconds),
                    Seconds(u.CpuSeconds),
                    $"{Memory(u.PeakRssBytes.Min)} / {Memory(u.PeakRssBytes.Mean)} / {Memory(u.PeakRssBytes.Max)}");
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Seconds(Spread s) =>
        $"{HumanUnits.Duration(TimeSpan.FromSeconds(s.Min))} / {HumanUnits.Duration(TimeSpan.FromSeconds(s.Mean))} / {HumanUnits.Duration(TimeSpan.FromSeconds(s.Max))}";

    private static string Memory(double bytes) => HumanUnits.Bytes((long)bytes);
}
