using System.Net;
using Baton.Cli.Tests.Server;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton serve</c> serves the dashboard: its printed login link opens a session that reaches <c>/ui</c>.</summary>
public sealed class ServeDashboardTests
{
    [Fact]
    public async Task Baton_serve_serves_the_dashboard_behind_its_login_link()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server.Address };

        using var signedOut = await http.GetAsync(new Uri("/ui", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        Assert.StartsWith("/ui/signin", signedOut.Headers.Location?.OriginalString, StringComparison.Ordinal);

        using var login = await http.GetAsync(new Uri(server.LoginLink.PathAndQuery, UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        using var page = await http.GetAsync(new Uri("/ui", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<h1>Runs</h1>", await page.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
