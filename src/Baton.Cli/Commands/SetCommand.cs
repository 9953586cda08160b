using System.CommandLine;
using Baton.Client;
using Baton.Cli.Nodes;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Engine.Control;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton set TASK KEY=VALUE...</c>: changes the priority or resources of a task that has not started, in the run
/// that drives the workspace (cattino's <c>meow set</c>). The change lasts for that run; the workflow file still
/// says what the next run uses.
/// </summary>
internal static class SetCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var task = new Argument<string>("task") { Description = "A task name or identity prefix" };
        var values = new Argument<string[]>("values") { Description = $"KEY=VALUE, keys: {string.Join(", ", TaskChange.Keys)}", Arity = ArgumentArity.OneOrMore };
        var workflow = CommonOptions.WorkflowFilter("The workflow the task belongs to, when its name is not unique");
        var command = new Command("set", "Change the priority or resources of a task that has not started, while its workflow runs") { task, values, workflow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var assignments = parse.GetValue(values) ?? [];
            // Checked here first, so that a mistake is exit 2 even with no run to ask.
            TaskChange.Parse(assignments);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);
            var row = await TaskResolver.ResolveAsync(store, parse.GetValue(task)!, parse.GetValue(workflow), cancellationToken);

            var request = new TaskRequest(row.Workflow, [row.Name]) { Values = assignments };
            var response = await NodeConnections.AskAsync(layout, node => node.SetAsync(request, cancellationToken), cancellationToken);
            if (response is null)
            {
                throw new BatonInputException($"workflow '{row.Workflow}' is not running in this workspace: 'baton set' changes a task of a running workflow (edit the workflow file for the next run)");
            }
            var outcome = response.Results.Single().Outcome;
            cli.Console.MarkupLine($"{Markup.Escape(row.Name)}: {Markup.Escape(outcome)}");
            return outcome.StartsWith("set ", StringComparison.Ordinal) ? ExitCodes.Success : ExitCodes.InputError;
        });
        return command;
    }
}
