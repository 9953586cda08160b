using System.Text.RegularExpressions;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Executors;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>The dashboard in a real browser (headless Chromium), against a real node that ran the quickstart.</summary>
public sealed partial class BrowserTests(DashboardNode node, DashboardBrowser browser) : IClassFixture<DashboardNode>, IClassFixture<DashboardBrowser>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static BrowserTests() => SetDefaultExpectTimeout(60_000);

    [Fact]
    public async Task The_login_link_signs_in_and_the_runs_page_lists_the_quickstart_with_13_done()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(node.Server.NewLoginLink()!.AbsoluteUri);
        await Expect(page).ToHaveURLAsync(new Uri(node.Address, "/ui").AbsoluteUri);
        var row = page.Locator($"tr[data-run=\"{node.QuickstartRun}\"]");
        await Expect(row).ToContainTextAsync("quickstart");
        await Expect(row).ToContainTextAsync("13 done");
        await Expect(row).ToContainTextAsync("done");
    }

    [Fact]
    public async Task A_filter_changes_the_url_and_the_rows()
    {
        await using var context = await SignedInAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(node.Address, $"/ui/runs/{node.QuickstartRun}").AbsoluteUri);
        var rows = page.Locator("table.tasks tbody tr");
        await Expect(rows).ToHaveCountAsync(DashboardNode.QuickstartTasks);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("sim-3.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(QueryOfSim35());
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.First).ToContainTextAsync("sim-3.5-1");

        await page.GetByLabel("State", new() { Exact = true }).SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("state=failed"));
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.Locator("#tasks")).ToContainTextAsync("No task matches.");
    }

    [Fact]
    public async Task The_task_page_shows_the_log_of_report()
    {
        await using var context = await SignedInAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(node.Address, $"/ui/runs/{node.QuickstartRun}?q=report").AbsoluteUri);
        await page.GetByRole(AriaRole.Link, new() { Name = "report", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("report");
        await Expect(page.Locator("#log")).ToContainTextAsync("analyze-3.9-1");
        await Expect(page.Locator("[data-state]")).ToContainTextAsync("done");
    }

    [Fact]
    public async Task The_run_pages_counts_change_live_while_a_workflow_runs()
    {
        var gate = node.PathOf("live-gate");
        var file = node.WriteWorkflow("live.yaml", $$"""
            name: live
            defaults: { max_attempts: 1 }
            templates:
              hold:
                command: sh -c 'while [ ! -e {{gate}} ]; do sleep 0.05; done; echo held $1' sh {i}
                node_args: [i]
            tasks:
              - name: hold-{i}
                template: hold
                foreach: { i: [1, 2] }
            """);
        var run = await node.SubmitAsync(file, Ct);
        try
        {
            await using var context = await SignedInAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(node.Address, $"/ui/runs/{run}").AbsoluteUri);
            var counts = page.Locator("#live");
            await Expect(counts).ToContainTextAsync("2 running");
            // A mark on this document: a reload would lose it.
            await page.EvaluateAsync("() => { window.batonMark = 'kept'; }");
            await File.WriteAllTextAsync(gate, "", Ct);
            await Expect(counts).ToContainTextAsync("2 done");
            Assert.Equal("kept", await page.EvaluateAsync<string>("() => window.batonMark"));
        }
        finally
        {
            await File.WriteAllTextAsync(gate, "", Ct);
            await FollowToEndAsync(run);
        }
    }

    [Fact]
    public async Task A_kill_from_the_task_page_reaches_the_task()
    {
        var marker = node.PathOf("victim-started");
        var file = node.WriteWorkflow("victim.yaml", $$"""
            name: victim
            defaults: { max_attempts: 1 }
            tasks:
              - name: victim
                command: sh -c 'echo started > {{marker}}; while true; do sleep 0.05; done'
            """);
        var run = await node.SubmitAsync(file, Ct);
        try
        {
            var task = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "victim" }, Ct)).Single();
            Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(marker), TimeSpan.FromMinutes(1), Ct), "the task never started");
            await using var context = await SignedInAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(node.Address, $"/ui/tasks/{task.TaskId}").AbsoluteUri);
            await page.GetByRole(AriaRole.Button, new() { Name = "Kill task" }).ClickAsync();
            await Expect(page.Locator("[data-state]")).ToContainTextAsync("killed");
            Assert.Equal(TaskState.Killed, (await node.Node.Store.GetTaskDetailsAsync(task.TaskId, Ct))!.Task.State);
        }
        finally
        {
            await FollowToEndAsync(run);
        }
    }

    [Fact]
    public async Task The_log_viewer_follows_a_running_attempt()
    {
        var gate = node.PathOf("talker-gate");
        var marker = node.PathOf("talker-started");
        var file = node.WriteWorkflow("talker.yaml", $$"""
            name: talker
            defaults: { max_attempts: 1 }
            tasks:
              - name: talker
                command: sh -c 'echo first line; echo > {{marker}}; while [ ! -e {{gate}} ]; do sleep 0.05; done; echo second line'
            """);
        var run = await node.SubmitAsync(file, Ct);
        try
        {
            var task = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "talker" }, Ct)).Single();
            Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(marker), TimeSpan.FromMinutes(1), Ct), "the task never started");
            await using var context = await SignedInAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(node.Address, $"/ui/tasks/{task.TaskId}").AbsoluteUri);
            var log = page.Locator("#log");
            await Expect(log).ToContainTextAsync("first line");
            await Expect(log).ToHaveAttributeAsync("data-following", "true");
            await File.WriteAllTextAsync(gate, "", Ct);
            await Expect(log).ToContainTextAsync("second line");
        }
        finally
        {
            await File.WriteAllTextAsync(gate, "", Ct);
            await FollowToEndAsync(run);
        }
    }

    private async Task<IBrowserContext> SignedInAsync()
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(node.Server.NewLoginLink()!.AbsoluteUri);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Runs");
        await page.CloseAsync();
        return context;
    }

    private async Task FollowToEndAsync(long run)
    {
        await foreach (var update in node.Client.FollowAsync(run, Ct))
        {
            _ = update;
        }
    }

    [GeneratedRegex(@"[?&]q=sim-3\.5(&|#|$)")]
    private static partial Regex QueryOfSim35();
}
