using System.CommandLine;
using Baton.Client;
using Baton.Cli.Nodes;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton limit --workflow W [--template T] N</c>: changes how many tasks may run at once while the workflow
/// runs (jobmon's <c>workflow concurrency</c>). Lowering it never kills a running task; it holds back new starts.
/// </summary>
internal static class LimitCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var limit = new Argument<int>("limit") { Description = "How many may run at once (at least 1)" };
        var workflow = CommonOptions.WorkflowFilter("The running workflow");
        var template = new Option<string?>("--template") { Description = "Limit only the tasks of this template" };
        var command = new Command("limit", "Change a running workflow's concurrency limit (of the workflow, or of one template)") { limit, workflow, template };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var max = parse.GetValue(limit);
            if (max < 1)
            {
                throw new BatonInputException($"limit {max} is not valid: a concurrency limit is a whole number of at least 1");
            }
            var workflowName = parse.GetValue(workflow) ?? throw new BatonInputException("name the running workflow with --workflow");
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            var request = new LimitRequest(workflowName, parse.GetValue(template), max);
            var response = await NodeConnections.AskAsync(layout, node => node.LimitAsync(request, cancellationToken), cancellationToken)
                ?? throw new BatonInputException($"workflow '{workflowName}' is not running in this workspace; set max_concurrent in its workflow file instead");
            foreach (var r in response.Results)
            {
                cli.Console.MarkupLine($"{Markup.Escape(r.Task)}: {Markup.Escape(r.Outcome)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
