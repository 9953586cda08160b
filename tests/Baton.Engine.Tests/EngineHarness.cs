using Baton.Core.Graph;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Core.Workflows;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Runs;
using Baton.Executors.Local;
using Baton.Stores.Sqlite;
using Baton.Testing;

namespace Baton.Engine.Tests;

/// <summary>
/// A real workspace for engine tests: a SQLite store in a temporary directory and the local executor, so that
/// runs start real processes and record real state.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private EngineHarness(TempDirectory directory, SqliteStore store, LocalExecutor executor, WorkspaceLayout layout)
    {
        _directory = directory;
        Store = store;
        Executor = executor;
        Layout = layout;
    }

    public SqliteStore Store { get; }

    public LocalExecutor Executor { get; }

    public WorkspaceLayout Layout { get; }

    /// <summary>A scratch directory beside the workspace, for files the tasks write (ledgers, markers).</summary>
    public string Scratch => Directory.CreateDirectory(Path.Combine(Layout.Root, "..", "scratch")).FullName;

    public static async Task<EngineHarness> CreateAsync()
    {
        var directory = new TempDirectory("baton-engine-");
        var layout = new WorkspaceLayout(Path.Combine(directory.Path, "ws"));
        Directory.CreateDirectory(layout.Root);
        var store = await SqliteStore.OpenAsync(layout.StoreFile, cancellationToken: TestContext.Current.CancellationToken);
        var executor = new LocalExecutor(new LocalExecutorOptions { KillGracePeriod = TimeSpan.FromSeconds(1) });
        return new EngineHarness(directory, store, executor, layout);
    }

    /// <summary>Compiles a workflow written in a test (its file is notionally in the scratch directory).</summary>
    public WorkflowGraph Compile(string yaml) => WorkflowCompiler.Compile(yaml, Path.Combine(Scratch, "workflow.yaml"));

    public Task<RunSummary> RunAsync(
        string yaml,
        int cpus = 2,
        long memory = 8L << 30,
        RunProgress? progress = null,
        Action<IRunControl>? onStarted = null,
        CancellationTokenSource? interrupt = null) =>
        RunAsync(Compile(yaml), cpus, memory, progress, onStarted, interrupt);

    public Task<RunSummary> RunAsync(
        WorkflowGraph graph,
        int cpus = 2,
        long memory = 8L << 30,
        RunProgress? progress = null,
        Action<IRunControl>? onStarted = null,
        CancellationTokenSource? interrupt = null)
    {
        var runner = new WorkflowRunner(Store, Executor, Layout, new RunOptions(new ResourceCapacity(cpus, memory)));
        return runner.RunAsync(graph, progress, onStarted, interrupt?.Token ?? TestContext.Current.CancellationToken);
    }

    /// <summary>Runs with options beyond cores and memory (GPUs, scheduling policy).</summary>
    public Task<RunSummary> RunAsync(WorkflowGraph graph, RunOptions options, Action<IRunControl>? onStarted = null) =>
        new WorkflowRunner(Store, Executor, Layout, options).RunAsync(graph, null, onStarted, TestContext.Current.CancellationToken);

    public async Task<TaskRow> TaskAsync(string name)
    {
        var rows = await Store.ListTasksAsync(new TaskFilter { NameOrIdentity = name }, TestContext.Current.CancellationToken);
        return Assert.Single(rows);
    }

    public async Task<TaskDetails> DetailsAsync(string name)
    {
        var row = await TaskAsync(name);
        return (await Store.GetTaskDetailsAsync(row.TaskId, TestContext.Current.CancellationToken))!;
    }

    /// <summary>Waits for a condition that a running process brings about (a file it writes), with a generous deadline.</summary>
    /// <param name="run">The run that should bring it about: if it ends first, waiting longer is pointless.</param>
    public static async Task EventuallyAsync(Func<bool> condition, string what, Task? run = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (run is { IsCompleted: true })
            {
                await run;
                Assert.Fail($"the run ended before {what}");
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync();
        await Store.DisposeAsync();
        _directory.Dispose();
    }
}
