using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>
/// The behaviour every <see cref="IBatonStore"/> must have. A store's test project derives from this class and
/// says how to open its store; every test here then runs against it.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    /// <summary>A time with sub-millisecond ticks: stores must keep times exactly.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero).AddTicks(5_358_979);

    private readonly TempDirectory _directory = new("baton-store-");
    private readonly List<IBatonStore> _stores = [];

    /// <summary>
    /// Opens and initializes the store kept in <paramref name="directory"/>. Called again with the same
    /// directory, it must open the same data (the tests close a store and open it again).
    /// </summary>
    protected abstract ValueTask<IBatonStore> CreateStoreAsync(string directory, CancellationToken cancellationToken);

    /// <summary>A directory of this test's own, deleted after it.</summary>
    protected string StoreDirectory => _directory.Path;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Opens the store of this test; it is disposed after the test.</summary>
    protected async Task<IBatonStore> OpenAsync()
    {
        var store = await CreateStoreAsync(StoreDirectory, Token);
        _stores.Add(store);
        return store;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static ValueTask<WorkflowRegistration> RegisterAsync(IBatonStore store, WorkflowGraph graph, DateTimeOffset? now = null, string paramsExtra = "") =>
        store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph, paramsExtra), now ?? T0, Token);

    protected static WorkflowGraph Diamond(string workflow = "diamond") => new TestGraphBuilder(workflow)
        .Task("prepare")
        .Task("left", after: ["prepare"], tags: ["gpu"])
        .Task("right", after: ["prepare"], tags: ["cpu"])
        .Task("merge", after: ["left", "right"])
        .Build();

    /// <summary>Takes one task from Waiting to Done through one successful attempt, in one batch.</summary>
    protected static StoreChange[] RunToDone(long taskId, long runId, DateTimeOffset at, int attempt = 1) =>
    [
        new TaskStateChanged(taskId, runId, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, at),
        new TaskStateChanged(taskId, runId, TaskState.Ready, TaskState.Submitted, FailureReason.None, null, at.AddSeconds(1), AttemptCount: attempt),
        new AttemptStarted(taskId, runId, attempt, "local", "4242", "host-a", 4242, $"/workspace/a/attempts/{attempt}", at.AddSeconds(1)),
        new TaskStateChanged(taskId, runId, TaskState.Submitted, TaskState.Running, FailureReason.None, null, at.AddSeconds(2)),
        new AttemptEnded(taskId, attempt, AttemptOutcome.Succeeded, 0, null, at.AddSeconds(3)),
        new TaskStateChanged(taskId, runId, TaskState.Running, TaskState.Done, FailureReason.None, null, at.AddSeconds(3)),
    ];
}
