using System.CommandLine;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Workflows;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton dag FILE | --workflow W [--format text|dot|mermaid] [--templates]</c>: the dependency graph, by tasks for
/// small workflows and by templates for large ones (or with <c>--templates</c>).
/// </summary>
internal static class DagCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var file = new Argument<string?>("file") { Description = "The workflow file (YAML)", Arity = ArgumentArity.ZeroOrOne };
        var workflow = CommonOptions.WorkflowFilter("A recorded workflow instead: the file of its current version");
        var format = new Option<string>("--format") { Description = "text, dot (Graphviz) or mermaid", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "dot", "mermaid");
        var templates = new Option<bool>("--templates") { Description = $"One node per template (the default above {DagRenderer.MaxTasksShown} tasks)" };
        var command = new Command("dag", "Print a workflow's dependency graph") { file, workflow, format, templates };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var path = parse.GetValue(file);
            var name = parse.GetValue(workflow);
            if ((path is null) == (name is null))
            {
                throw new BatonInputException("baton dag needs a workflow FILE or --workflow W (one of them)");
            }
            if (name is not null)
            {
                await using var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken);
                var current = (await store.ListWorkflowsAsync(name, cancellationToken)).LastOrDefault(w => w.Current)
                    ?? throw new BatonInputException($"no workflow '{name}' in this workspace (see 'baton runs')");
                path = current.SourceFile;
                if (!File.Exists(path))
                {
                    throw new BatonInputException($"workflow '{name}': its file '{path}' no longer exists");
                }
                var graph = WorkflowCompiler.CompileFile(path);
                if (graph.DagHash != current.DagHash)
                {
                    await cli.Error.WriteLineAsync($"baton: note: '{path}' changed since version {current.Version} of '{name}' was run; this is the file as it is now");
                }
                await WriteAsync(cli, graph, parse.GetValue(format)!, parse.GetValue(templates));
                return ExitCodes.Success;
            }
            await WriteAsync(cli, WorkflowCompiler.CompileFile(path!), parse.GetValue(format)!, parse.GetValue(templates));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Task WriteAsync(CliContext cli, Core.Graph.WorkflowGraph graph, string format, bool templates) =>
        cli.Output.WriteAsync(DagRenderer.Render(graph, format, templates || graph.Tasks.Count > DagRenderer.MaxTasksShown));
}
