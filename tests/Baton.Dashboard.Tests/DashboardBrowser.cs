using Microsoft.Playwright;

namespace Baton.Dashboard.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by <c>scripts/test</c> when root) driven by Playwright,
/// headless; <c>playwright install</c> is never run. A browser that cannot start skips the browser tests, except
/// under <c>CI=true</c>, where it fails them.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _failure;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            _failure = $"no browser at {ChromiumPath} (apt-get install chromium; scripts/test does when root)";
            return;
        }
        try
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Root in a container has no user namespace for Chromium's sandbox.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
                Timeout = 120_000,
            });
        }
        catch (Exception ex) when (ex is PlaywrightException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            _failure = $"Chromium at {ChromiumPath} did not start: {ex.Message}";
        }
    }

    /// <summary>A new browser context (its own cookies) at <paramref name="width"/>×<paramref name="height"/>; skips or fails the test without a browser.</summary>
    public async Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 800, ColorScheme scheme = ColorScheme.Light)
    {
        if (_browser is null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail($"CI=true and {_failure}");
            }
            Assert.Skip(_failure ?? "no browser");
        }
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, ColorScheme = scheme });
        // A loaded two-core machine runs these: wait long for what the page does.
        context.SetDefaultTimeout(60_000);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
