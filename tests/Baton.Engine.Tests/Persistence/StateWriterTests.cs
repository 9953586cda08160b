using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Tests.Persistence;

public sealed class StateWriterTests
{
    [Fact]
    public async Task Changes_queued_while_a_transaction_is_in_flight_commit_together_in_the_next_one()
    {
        var store = new GatedStore();
        var writer = new StateWriter(store, NullLogger.Instance);

        writer.Write(Change(0));
        await store.FirstBatchEntered.Task.WaitAsync(TestContext.Current.CancellationToken);
        for (var i = 1; i <= 500; i++)
        {
            writer.Write(Change(i));
        }
        store.Gate.SetResult();
        await writer.DisposeAsync();

        Assert.Equal([1, 500], store.BatchSizes);
        Assert.Equal(Enumerable.Range(0, 501).Select(i => (long)i), store.Applied.Select(c => c.TaskId));
    }

    [Fact]
    public async Task A_store_failure_surfaces_when_the_writer_is_flushed()
    {
        var store = new GatedStore { Failure = new InvalidOperationException("disk full") };
        store.Gate.SetResult();
        var writer = new StateWriter(store, NullLogger.Instance);
        writer.Write(Change(1));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.DisposeAsync());
        Assert.Equal("disk full", error.Message);
        var refused = Assert.Throws<InvalidOperationException>(() => writer.Write(Change(2)));
        Assert.Equal("the store failed: disk full", refused.Message);
    }

    private static TaskStateChanged Change(long task) =>
        new(task, 1, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, DateTimeOffset.UnixEpoch);

    /// <summary>Records what the writer applies; holds the first transaction until the test opens the gate.</summary>
    private sealed class GatedStore : IBatonStore
    {
        public TaskCompletionSource FirstBatchEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<int> BatchSizes { get; } = [];
        public List<StoreChange> Applied { get; } = [];
        public Exception? Failure { get; init; }

        public async ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
        {
            FirstBatchEntered.TrySetResult();
            await Gate.Task;
            if (Failure is not null)
            {
                throw Failure;
            }
            BatchSizes.Add(changes.Count);
            Applied.AddRange(changes);
            return ApplyResult.Empty;
        }

        public ValueTask InitializeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<WorkflowRegistration> RegisterWorkflowAsync(WorkflowGraph graph, IReadOnlyList<string> taskDirectories, IReadOnlyList<string> paramsJson, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<WorkflowRegistration> AddTasksAsync(long workflowId, WorkflowGraph graph, int firstNew, IReadOnlyList<string> taskDirectories, IReadOnlyList<string> paramsJson, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<long> StartRunAsync(long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask FinishRunAsync(long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<long>> RemoveTasksAsync(IReadOnlyList<long> taskIds, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<TaskRow>> ListTasksAsync(TaskFilter filter, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<TaskDetails?> GetTaskDetailsAsync(long taskId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<RunRow>> ListRunsAsync(string? workflow, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<AttemptListing>> ListAttemptsAsync(AttemptFilter filter, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<WorkflowRow>> ListWorkflowsAsync(string? name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<TaskClaim>> ClaimTasksAsync(ClaimOwner owner, IReadOnlyList<long> taskIds, IReadOnlyCollection<ClaimOwner> deadOwners, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask ReleaseClaimsAsync(long runId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<TaskPage> ListTasksPageAsync(TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyDictionary<TaskState, int>> CountTasksAsync(TaskFilter filter, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<RunRow?> GetRunAsync(long runId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<StoredEvent>> ReadEventsAsync(long afterSequence, int limit, EventFilter? filter, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<long> LatestEventSequenceAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<ApiToken> CreateTokenAsync(NewApiToken token, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<ApiToken?> FindTokenAsync(string secretHash, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<ApiToken?> RevokeTokenAsync(long tokenId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<Webhook> CreateWebhookAsync(NewWebhook webhook, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<bool> DeleteWebhookAsync(long webhookId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<WebhookDelivery> AddDeliveryAsync(NewWebhookDelivery delivery, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask UpdateDeliveryAsync(WebhookDeliveryUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(long webhookId, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
