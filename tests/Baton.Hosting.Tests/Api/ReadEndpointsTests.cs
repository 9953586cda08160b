using System.Net;
using System.Net.Http.Json;
using System.Text;
using Baton.Client;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;

namespace Baton.Hosting.Tests.Api;

/// <summary>The node's read API against a real node that ran a real workflow.</summary>
public sealed class ReadEndpointsTests(ReadNode node) : IClassFixture<ReadNode>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Paging_through_the_tasks_returns_every_task_exactly_once()
    {
        var seen = new List<long>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await node.Client.ListTasksAsync(new TaskQuery { Workflow = "reads", After = after, Limit = 2 }, Ct);
            Assert.True(page.Tasks.Count <= 2);
            seen.AddRange(page.Tasks.Select(t => t.TaskId));
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 50);

        var all = await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "reads" }, Ct);
        Assert.Equal(ReadNode.Steps + 2, all.Count);
        Assert.Equal(all.Select(t => t.TaskId), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Filters_select_by_state_template_name_and_run()
    {
        async Task<IReadOnlyList<string>> Names(TaskQuery query) =>
            (await node.Client.ListTasksAsync(query with { Limit = 100 }, Ct)).Tasks.Select(t => t.Name).ToList();

        Assert.Equal(["fail-1", "fail-2"], await Names(new TaskQuery { States = [TaskState.Failed] }));
        Assert.Equal(ReadNode.Steps, (await Names(new TaskQuery { Template = "step", States = [TaskState.Done] })).Count);
        Assert.Equal(["step-3"], await Names(new TaskQuery { Text = "step-3" }));
        Assert.Equal(ReadNode.Steps + 2, (await Names(new TaskQuery { RunId = node.RunId })).Count);
        Assert.Empty(await Names(new TaskQuery { Workflow = "no-such-workflow" }));

        var badState = await Assert.ThrowsAsync<Core.Errors.BatonInputException>(() => node.Client.ListTasksAsync(new TaskQuery { Limit = 0 }, Ct));
        Assert.Contains("limit 0", badState.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.ListTasksAsync(new TaskQuery { RunId = 9999 }, Ct));
    }

    [Fact]
    public async Task A_run_is_listed_and_read_with_its_counts_per_state_and_an_unknown_one_is_a_404_problem()
    {
        var runs = await node.Client.ListRunsAsync(new RunQuery { Workflow = "reads" }, Ct);
        var listed = Assert.Single(runs.Runs, r => r.Run.RunId == node.RunId);
        Assert.Equal(RunStatus.Failed, listed.Run.Status);
        var run = await node.Client.GetRunAsync(node.RunId, Ct);
        Assert.NotNull(run);
        Assert.Equal(ReadNode.Steps, run.Tasks[TaskState.Done]);
        Assert.Equal(2, run.Tasks[TaskState.Failed]);
        Assert.Null(run.Live);
        Assert.Empty((await node.Client.ListRunsAsync(new RunQuery { Statuses = [RunStatus.Done], Workflow = "reads" }, Ct)).Runs);

        Assert.Null(await node.Client.GetRunAsync(9999, Ct));
        Assert.Null(await node.Client.GetTaskAsync(99999, Ct));
        using var http = SocketHttp.Create(node.Client.SocketPath!);
        foreach (var path in new[] { "api/v1/runs/9999", "api/v1/tasks/99999", "api/v1/tasks/99999/attempts/1/logs/stdout" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, Ct);
            Assert.Equal(ApiProblems.NotFound, problem?.Type);
        }
    }

    [Fact]
    public async Task A_task_is_read_with_its_attempts_history_and_argv()
    {
        var row = Assert.Single((await node.Client.ListTasksAsync(new TaskQuery { Text = "step-3" }, Ct)).Tasks);
        var task = await node.Client.GetTaskAsync(row.TaskId, Ct);
        Assert.NotNull(task);
        Assert.Equal("step-3", task.Task.Name);
        Assert.Contains(task.History, h => h.State == TaskState.Done);
        var attempt = Assert.Single(task.Attempts);
        Assert.Equal(AttemptOutcome.Succeeded, attempt.Outcome);
        Assert.Contains("3", attempt.Argv ?? []);
        Assert.Equal(task.Attempts.Select(a => a.Number), (await node.Client.AttemptsAsync(row.TaskId, Ct)).Select(a => a.Number));
    }

    [Fact]
    public async Task A_range_read_returns_exactly_the_bytes_asked_for()
    {
        var row = Assert.Single((await node.Client.ListTasksAsync(new TaskQuery { Text = "step-5" }, Ct)).Tasks);
        Assert.Equal("ut 5", Encoding.UTF8.GetString(await node.Client.ReadLogRangeAsync(row.TaskId, 1, LogStream.Stdout, 1, 4, Ct)));
        Assert.Equal("5\n", Encoding.UTF8.GetString(await node.Client.ReadLogRangeAsync(row.TaskId, 1, LogStream.Stderr, 4, null, Ct)));
        Assert.Empty(await node.Client.ReadLogRangeAsync(row.TaskId, 1, LogStream.Stdout, 1000, null, Ct));
        var whole = new List<byte>();
        await foreach (var chunk in node.Client.ReadLogAsync(row.TaskId, 1, LogStream.Stdout, 0, follow: false, Ct))
        {
            whole.AddRange(chunk.ToArray());
        }
        Assert.Equal("out 5\n", Encoding.UTF8.GetString([.. whole]));
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.ReadLogRangeAsync(row.TaskId, 2, LogStream.Stdout, 0, null, Ct));
    }

    [Theory]
    [InlineData("..%2F..%2Fparams.json")]
    [InlineData("std..out")]
    [InlineData("stdout%2F..")]
    [InlineData("exit.json")]
    public async Task A_log_name_that_is_not_stdout_or_stderr_is_refused_with_400(string name)
    {
        var row = Assert.Single((await node.Client.ListTasksAsync(new TaskQuery { Text = "step-1" }, Ct)).Tasks);
        using var http = SocketHttp.Create(node.Client.SocketPath!);
        using var response = await http.GetAsync(new Uri($"api/v1/tasks/{row.TaskId}/attempts/1/logs/{name}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, Ct);
        Assert.Equal(ApiProblems.Input, problem?.Type);
        Assert.Contains("not a log name", problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_NUL_or_a_separator_in_a_log_name_is_refused_before_any_file_is_read()
    {
        foreach (var name in new[] { "std\0out", "stdout\0", "a/stdout", "..", "b\\c" })
        {
            Assert.Throws<Core.Errors.BatonInputException>(() => Queries.AttemptLogs.ParseStream(name));
        }
    }

    [Fact]
    public async Task A_log_that_is_a_link_out_of_the_task_directory_is_not_served()
    {
        var row = Assert.Single((await node.Client.ListTasksAsync(new TaskQuery { Text = "step-2" }, Ct)).Tasks);
        var secret = Path.Combine(node.Root, "secret.txt");
        await File.WriteAllTextAsync(secret, "do not serve", Ct);
        var stdout = WorkspaceLayout.StdoutFile(WorkspaceLayout.AttemptDirectory(row.Directory, 1));
        File.Delete(stdout);
        File.CreateSymbolicLink(stdout, secret);

        var refused = await Assert.ThrowsAsync<Core.Errors.BatonInputException>(() => node.Client.ReadLogRangeAsync(row.TaskId, 1, LogStream.Stdout, 0, null, Ct));
        Assert.Contains("not inside the task's directory", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do not serve", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_and_error_clusters_are_served_as_the_commands_compute_them()
    {
        var errors = await node.Client.ErrorsAsync(new InsightQuery { Workflow = "reads" }, 2, Ct);
        var cluster = Assert.Single(errors);
        Assert.Equal("fail", cluster.Template);
        Assert.Equal(2, cluster.Count);
        Assert.Equal("exit code 3", cluster.Outcome);
        Assert.Contains(cluster.LastLines, l => l.StartsWith("boom at line", StringComparison.Ordinal));

        var usage = await node.Client.UsageAsync(new InsightQuery { Workflow = "reads" }, Ct);
        Assert.Equal(ReadNode.Steps, Assert.Single(usage, u => u.Template == "step").Attempts);
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.ErrorsAsync(new InsightQuery { RunId = 9999 }, 3, Ct));
    }

    [Fact]
    public async Task Following_a_running_attempt_gets_what_it_writes_after_the_request_until_it_ends()
    {
        var gate = Path.Combine(node.Root, "go");
        var file = node.WriteWorkflow("gated.yaml", $$"""
            name: gated
            tasks:
              - name: slow
                command: sh -c 'echo first; while [ ! -e "$1" ]; do sleep 0.05; done; echo second' sh {{gate}}
            """);
        var accepted = await node.Client.SubmitAsync(new RunSubmission(file), Ct);
        long? taskId = null;
        await foreach (var e in node.Client.EventsAsync(0, accepted.RunId, Ct))
        {
            if (e.Kind == EventKind.AttemptStarted)
            {
                taskId = e.TaskId;
                break;
            }
        }
        Assert.NotNull(taskId);

        var text = new StringBuilder();
        await foreach (var chunk in node.Client.ReadLogAsync(taskId.Value, 1, LogStream.Stdout, 0, follow: true, Ct))
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
            if (text.ToString() == "first\n" && !File.Exists(gate))
            {
                // Written only now, after the follower has read what was there.
                await File.WriteAllTextAsync(gate, "", Ct);
            }
        }
        Assert.Equal("first\nsecond\n", text.ToString());
        await foreach (var update in node.Client.FollowAsync(accepted.RunId, Ct))
        {
            _ = update;
        }
        Assert.Equal(TaskState.Done, (await node.Client.GetTaskAsync(taskId.Value, Ct))!.Task.State);
    }
}
