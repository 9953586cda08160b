using System.CommandLine;
using Baton.Cli.Control;
using Baton.Cli.Gpus;
using Baton.Cli.Rendering;
using Baton.Cli.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Core.Workflows;
using Baton.Engine.Runs;
using Baton.Executors.Local;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary><c>baton run FILE</c>: runs a workflow locally; a second run resumes it and runs nothing that is Done.</summary>
internal static class RunCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "The workflow file (YAML)" };
        var cpus = new Option<int?>("--cpus") { Description = "Cores Baton may use (default: workspace settings, else all detected)" };
        var memory = new Option<string?>("--memory") { Description = "Memory Baton may use, e.g. 16G (default: workspace settings, else all detected)" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Print only the summary" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate the workflow, record it in the workspace and say what would run, without running anything" };
        var failFast = FailFastOption();
        var newWorkflow = new Option<bool>("--new-workflow")
        {
            Description = "Record the file as a new workflow even though one with its name and workflow_args exists with other tasks",
        };
        var command = new Command("run", "Run a workflow file; tasks that are already done do not run again")
        {
            file, cpus, memory, noProgress, dryRun, failFast, newWorkflow,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context(parse),
            parse.GetValue(file)!,
            parse.GetValue(common.Workspace),
            new RunSettings(parse.GetValue(cpus), parse.GetValue(memory), !parse.GetValue(noProgress), parse.GetValue(dryRun), parse.GetValue(failFast)) { NewWorkflow = parse.GetValue(newWorkflow) },
            cancellationToken));
        return command;
    }

    internal static Option<bool> FailFastOption() => new("--fail-fast") { Description = "Start no new task after the first task fails" };

    /// <summary>The options of <c>baton run</c> that <c>baton resume</c> shares.</summary>
    internal sealed record RunSettings(int? Cpus, string? Memory, bool ProgressShown, bool DryRun, bool FailFast)
    {
        public bool NewWorkflow { get; init; }
    }

    internal static Task<int> RunAsync(CliContext cli, string file, string? workspace, RunSettings run, CancellationToken cancellationToken) =>
        RunAsync(cli, WorkflowCompiler.CompileFile(file), workspace, run, cancellationToken);

    internal static async Task<int> RunAsync(CliContext cli, WorkflowGraph graph, string? workspace, RunSettings runSettings, CancellationToken cancellationToken)
    {
        var (cpus, memory, progressShown, dryRun) = (runSettings.Cpus, runSettings.Memory, runSettings.ProgressShown, runSettings.DryRun);
        // Everything that can be wrong with the input is checked before the workspace is touched.
        var layout = WorkspaceLocation.Resolve(workspace);
        var settings = Directory.Exists(layout.Root) ? WorkspaceSettings.Load(layout.Root) : new WorkspaceSettings(null, null);
        var capacity = MachineCapacity.Resolve(cpus, memory, settings);
        var (gpus, gpuProbe, _) = MachineGpus.Resolve(settings, cli.Time);
        var options = new RunOptions(capacity) { Gpus = gpus, GpuProbe = gpuProbe, Tokens = settings.Tokens, FailFast = runSettings.FailFast, NewWorkflow = runSettings.NewWorkflow };
        WorkflowRunner.EnsureRunnable(graph, options);

        await using var store = await WorkspaceStore.OpenAsync(layout, create: true, cli.Loggers, cancellationToken);
        using var workspaceLock = WorkspaceLock.TryAcquire(layout.LockFile)
            ?? throw new BatonInputException($"the workspace '{layout.Root}' is in use by another baton run{await DescribeHolderAsync(store, cancellationToken)}; wait for it or use another --workspace");
        await using var executor = new LocalExecutor(new LocalExecutorOptions(), cli.Loggers.CreateLogger<LocalExecutor>(), cli.Time);
        await using var control = ControlServer.Start(layout.Root, cli.Loggers.CreateLogger<ControlServer>());

        var runner = new WorkflowRunner(store, executor, layout, options, cli.Time, cli.Loggers);
        if (dryRun)
        {
            var plan = await runner.PlanAsync(graph, cancellationToken);
            cli.Console.MarkupLine(
                $"workflow [bold]{Markup.Escape(graph.Name)}[/]: {plan.Total} tasks, {plan.Edges} dependencies; " +
                $"{plan.AlreadyDone} already done, {plan.ToRun} would run (on up to {capacity.Cpus} cpus and {ResourceParser.FormatMemory(capacity.MemoryBytes)}).");
            return ExitCodes.Success;
        }
        var progress = new RunProgress();
        var run = runner.RunAsync(graph, progress, c => control?.Attach(c), cancellationToken);
        await RunView.FollowAsync(cli.Console, progress, run, cli.Time, progressShown);
        var summary = await run;

        var failures = summary.Failed + summary.Killed > 0
            ? await store.ListTasksAsync(new TaskFilter { WorkflowId = summary.WorkflowId, States = [TaskState.Failed, TaskState.Killed] }, CancellationToken.None)
            : [];
        RunView.Summary(cli.Console, graph.Name, summary, progress, failures);
        return summary.Succeeded ? ExitCodes.Success : summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.TasksFailed;
    }

    private static async Task<string> DescribeHolderAsync(IBatonStore store, CancellationToken cancellationToken)
    {
        var runs = await store.ListRunsAsync(null, cancellationToken);
        var active = runs.FirstOrDefault(r => r.Status == RunStatus.Running);
        return active is null ? "" : $" (run {active.RunId} of '{active.Workflow}', pid {active.ProcessId} on {active.Host})";
    }
}
