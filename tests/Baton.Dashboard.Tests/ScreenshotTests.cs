using Baton.Core.Stores;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>
/// The screenshots of docs/dashboard.md, made with the browser tests' node and browser: run by
/// <c>scripts/dashboard-screenshots</c>, which sets <c>BATON_SCREENSHOTS</c> to the folder to write; skipped otherwise.
/// </summary>
public sealed class ScreenshotTests(DashboardNode node, DashboardBrowser browser) : IClassFixture<DashboardNode>, IClassFixture<DashboardBrowser>
{
    [Fact]
    public async Task Screenshots_of_each_page()
    {
        var folder = Environment.GetEnvironmentVariable("BATON_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
        {
            Assert.Skip("set BATON_SCREENSHOTS to a folder (scripts/dashboard-screenshots does) to make the docs' screenshots");
        }
        Directory.CreateDirectory(folder);
        var ct = TestContext.Current.CancellationToken;
        var report = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "quickstart", NameOrIdentity = "report" }, ct)).Single();
        var shots = new (string Name, string Path, int Width, int Height, ColorScheme Scheme)[]
        {
            ("dashboard-runs.png", "/ui", 1280, 800, ColorScheme.Light),
            ("dashboard-run.png", $"/ui/runs/{node.QuickstartRun}", 1280, 800, ColorScheme.Light),
            ("dashboard-task.png", $"/ui/tasks/{report.TaskId}", 1280, 800, ColorScheme.Dark),
            ("dashboard-phone.png", $"/ui/runs/{node.QuickstartRun}", 390, 844, ColorScheme.Dark),
        };
        foreach (var (name, path, width, height, scheme) in shots)
        {
            await using var context = await browser.NewContextAsync(width, height, scheme);
            var page = await context.NewPageAsync();
            await page.GotoAsync(node.Server.NewLoginLink()!.AbsoluteUri);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Runs");
            await page.GotoAsync(new Uri(node.Address, path).AbsoluteUri);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), Type = ScreenshotType.Png });
        }
    }
}
