using System.CommandLine;
using System.Globalization;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Workflows;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton resume RUN</c>: runs the workflow of an earlier run again from its workflow file (jobmon's resume):
/// every task that is not Done runs with its attempt count reset; Done tasks never run. The file must still
/// describe the same workflow (same DAG); after a change, <c>baton run</c> it as a new workflow.
/// </summary>
internal static class ResumeCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var runId = new Argument<string>("run") { Description = "The run to resume (a number from baton runs)" };
        var cpus = new Option<int?>("--cpus") { Description = "Cores Baton may use (default: workspace settings, else all detected)" };
        var memory = new Option<string?>("--memory") { Description = "Memory Baton may use, e.g. 16G (default: workspace settings, else all detected)" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Print only the summary" };
        var failFast = RunCommand.FailFastOption();
        var command = new Command("resume", "Resume a run's workflow: tasks not done run again, done tasks never do") { runId, cpus, memory, noProgress, failFast };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var text = parse.GetValue(runId)!;
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                throw new BatonInputException($"run '{text}' is not a run number (see baton runs)");
            }
            var workspace = parse.GetValue(common.Workspace);
            Core.Stores.RunRow run;
            await using (var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(workspace), create: false, cli.Loggers, cancellationToken))
            {
                var runs = await store.ListRunsAsync(null, cancellationToken);
                run = runs.FirstOrDefault(r => r.RunId == id) ?? throw new BatonInputException($"no run {id} in this workspace (see baton runs)");
            }
            if (!File.Exists(run.SourceFile))
            {
                throw new BatonInputException($"run {id}'s workflow file '{run.SourceFile}' no longer exists");
            }
            var graph = WorkflowCompiler.CompileFile(run.SourceFile);
            if (graph.DagHash != run.DagHash)
            {
                throw new BatonInputException(new SourceLocation(run.SourceFile, 1, 1),
                    $"the workflow '{graph.Name}' changed since run {id} (its tasks or dependencies differ), so it cannot be resumed; run it as a new workflow with baton run");
            }
            var settings = new RunCommand.RunSettings(parse.GetValue(cpus), parse.GetValue(memory), !parse.GetValue(noProgress), false, parse.GetValue(failFast));
            return await RunCommand.RunAsync(cli, graph, workspace, settings, cancellationToken);
        });
        return command;
    }
}
