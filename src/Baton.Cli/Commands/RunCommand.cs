using System.CommandLine;
using System.Runtime.InteropServices;
using Baton.Client;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workflows;
using Baton.Core.Workspaces;
using Baton.Engine.Runs;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
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
        var noNewVersion = new Option<bool>("--no-new-version")
        {
            Description = "Refuse a file whose tasks or dependencies differ from those recorded under its name and workflow_args (default: record it as the workflow's next version)",
        };
        var force = new Option<string[]>("--force") { Description = "Run these tasks again even though they are done (names or identity prefixes), in this run", AllowMultipleArgumentsPerToken = true };
        var keepRunning = new Option<bool>("--keep-running") { Description = "On Ctrl+C, leave the running attempts running and detach (default: kill them); a later run re-attaches" };
        var detach = new Option<bool>("--detach") { Description = "Run in the background: print the run id and return at once (follow it with 'baton wait RUN')" };
        var cold = new Option<bool>("--cold") { Description = "Kill attempts an earlier, crashed or detached run left running and run their tasks afresh (default: re-attach and let them finish)" };
        var executorName = new Option<string?>("--executor") { Description = "Where attempts run: local or slurm (default: workspace settings, else local)" };
        var embedded = new Option<bool>("--embedded") { Description = "Drive the run in this process instead of the workspace's node (batch jobs, CI): it ends with the run" };
        var json = new Option<bool>("--json") { Description = "No live view; end with the run's outcome as one JSON object on stdout" };
        var command = new Command("run", "Run a workflow file; tasks that are already done do not run again")
        {
            file, cpus, memory, noProgress, dryRun, failFast, noNewVersion, force, cold, keepRunning, detach, executorName, embedded, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context(parse),
            parse.GetValue(file)!,
            parse.GetValue(common.Workspace),
            new RunSettings(parse.GetValue(cpus), parse.GetValue(memory), !parse.GetValue(noProgress) && !parse.GetValue(json), parse.GetValue(dryRun), parse.GetValue(failFast))
            {
                Json = parse.GetValue(json),
                RefuseNewVersion = parse.GetValue(noNewVersion),
                Force = parse.GetValue(force) ?? [],
                Cold = parse.GetValue(cold),
                KeepRunning = parse.GetValue(keepRunning),
                Detach = parse.GetValue(detach),
                Executor = parse.GetValue(executorName),
                Embedded = parse.GetValue(embedded),
            },
            cancellationToken));
        return command;
    }

    /// <summary>How a node started for this run is started: with the run's --cpus, --memory and --executor.</summary>
    private static List<string> NodeArguments(WorkspaceLayout layout, RunSettings settings)
    {
        var args = new List<string> { "node", "serve", "--workspace", Path.GetFullPath(layout.Root) };
        if (settings.Cpus is { } cpus)
        {
            args.AddRange(["--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        if (settings.Memory is { } memory)
        {
            args.AddRange(["--memory", memory]);
        }
        if (settings.Executor is { } executor)
        {
            args.AddRange(["--executor", executor]);
        }
        return args;
    }

    internal static Option<bool> FailFastOption() => new("--fail-fast") { Description = "Start no new task after the first task fails" };

    /// <summary>The options of <c>baton run</c> that <c>baton resume</c> shares.</summary>
    internal sealed record RunSettings(int? Cpus, string? Memory, bool ProgressShown, bool DryRun, bool FailFast)
    {
        /// <summary>Refuse a changed file instead of recording it as the workflow's next version (jobmon's rule).</summary>
        public bool RefuseNewVersion { get; init; }

        /// <summary>Tasks that run again in this run although they are done.</summary>
        public IReadOnlyList<string> Force { get; init; } = [];

        /// <summary>Kill attempts an earlier run left running and run their tasks afresh (a cold resume).</summary>
        public bool Cold { get; init; }

        /// <summary>On Ctrl+C leave the running attempts running (detach) instead of killing them.</summary>
        public bool KeepRunning { get; init; }

        /// <summary>Return the run's id once the node runs it.</summary>
        public bool Detach { get; init; }

        /// <summary><c>--executor</c>: local or slurm; null for the workspace's setting (else local).</summary>
        public string? Executor { get; init; }

        /// <summary>Drive the run in this process instead of the workspace's node.</summary>
        public bool Embedded { get; init; }

        /// <summary>End with the outcome as JSON on stdout instead of the summary table.</summary>
        public bool Json { get; init; }
    }

    internal static Task<int> RunAsync(CliContext cli, string file, string? workspace, RunSettings run, CancellationToken cancellationToken) =>
        RunAsync(cli, WorkflowCompiler.CompileFile(file), workspace, run, cancellationToken);

    internal static async Task<int> RunAsync(CliContext cli, WorkflowGraph graph, string? workspace, RunSettings runSettings, CancellationToken cancellationToken)
    {
        if (cli.Remote is { } remote)
        {
            return await RemoteRun.RunAsync(cli, graph, remote, runSettings, cancellationToken);
        }
        var (cpus, memory, progressShown, dryRun) = (runSettings.Cpus, runSettings.Memory, runSettings.ProgressShown, runSettings.DryRun);
        // Ctrl+C and SIGTERM interrupt the run, which then kills (or leaves, --keep-running) its attempts and records
        // that before the process exits: the signals' default (immediate death) is cancelled.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            interrupt.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        cancellationToken = interrupt.Token;

        // Everything that can be wrong with the input is checked before the workspace is touched.
        var setup = NodeSetup.Resolve(new BatonOptions { Workspace = workspace, Cpus = cpus, Memory = memory, Executor = runSettings.Executor }, cli.Time);
        var options = setup.RunOptions() with
        {
            FailFast = runSettings.FailFast,
            RefuseNewVersion = runSettings.RefuseNewVersion,
            Force = runSettings.Force,
            Resume = runSettings.Cold ? ResumeMode.Cold : ResumeMode.Hot,
            Interrupt = runSettings.KeepRunning ? InterruptMode.Detach : InterruptMode.Kill,
        };
        WorkflowRunner.EnsureRunnable(graph, options);
        var layout = setup.Layout;
        if (runSettings.Embedded && runSettings.Detach)
        {
            throw new BatonInputException("--detach leaves the run to the workspace's node; it cannot be --embedded");
        }
        if (!runSettings.Embedded && !dryRun)
        {
            // The workspace's node drives the run: the one that runs, or one started now (it exits when idle).
            var status = await NodeCommand.StartAsync(layout, NodeArguments(layout, runSettings), cancellationToken);
            using var client = new NodeClient(NodeEndpoint.For(layout).SocketPath);
            return await NodeRunClient.RunAsync(cli, graph, client, status, setup, runSettings, cancellationToken);
        }

        await using var node = await BatonNode.OpenAsync(setup, createWorkspace: true, cli.Loggers, cli.Time, cancellationToken);
        var store = node.Store;
        if (dryRun)
        {
            using var workflowLock = WorkspaceLock.TryAcquire(WorkspaceLock.ForWorkflow(layout.Root, graph.Name))
                ?? throw new BatonInputException($"workflow '{graph.Name}' is already running in the workspace '{layout.Root}'; wait for it or kill it");
            var plan = await node.Engine.PlanAsync(graph, options, cancellationToken);
            if (plan.Change is { } change)
            {
                cli.Console.WriteLine($"workflow '{graph.Name}' changed: {change.Describe()}");
            }
            cli.Console.MarkupLine(
                $"workflow [bold]{Markup.Escape(graph.Name)}[/]: {plan.Total} tasks, {plan.Edges} dependencies; " +
                $"{plan.AlreadyDone} already done, {plan.ToRun} would run (on up to {setup.Capacity.Cpus} cpus and {HumanUnits.Bytes(setup.Capacity.MemoryBytes)}).");
            return ExitCodes.Success;
        }
        // While it lives, this process serves the node's API too (kill, set, limit, resources reach its run there).
        await using var server = await NodeServer.StartAsync(node, NodeEndpoint.ForEmbedded(layout, Environment.ProcessId), null, cli.Loggers, cli.Time, cancellationToken);
        var (nodeRun, _) = await node.StartRunAsync(graph, options, cancellationToken);
        var progress = nodeRun.Progress;
        await using var interruptRun = cancellationToken.Register(nodeRun.Interrupt);
        var run = nodeRun.Completion;
        await RunView.FollowAsync(RunView.ConsoleFor(cli, runSettings.Json), progress, run, cli.Time, progressShown);
        RunSummary summary;
        try
        {
            summary = await run;
        }
        catch (BatonInputException)
        {
            // The store cannot be written (a full disk): what runs cannot be recorded here, so it is left running
            // (its exit.json is still written) for the next run to re-attach, instead of being killed unrecorded.
            node.LeaveRunning();
            throw;
        }
        if (summary.LeftRunning > 0)
        {
            // Ctrl+C with --keep-running: the attempts go on under their supervisor; the next run re-attaches.
            node.LeaveRunning();
            await cli.Error.WriteLineAsync($"baton: detached: {summary.LeftRunning} attempts keep running; run the workflow again to re-attach to them");
        }

        var failures = summary.Failed + summary.Killed > 0
            ? await store.ListTasksAsync(new TaskFilter { WorkflowId = summary.WorkflowId, States = [TaskState.Failed, TaskState.Killed] }, CancellationToken.None)
            : [];
        await RunView.ReportAsync(cli, runSettings.Json, graph.Name, summary, progress, failures);
        return summary.Succeeded ? ExitCodes.Success : summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.TasksFailed;
    }
}
