using System.Net;
using System.Text.RegularExpressions;

namespace Baton.Dashboard.Tests;

/// <summary>An HTTP client that keeps cookies and never follows redirects, as a browser's first request sees them.</summary>
internal sealed partial class CookieBrowser(Uri address) : IDisposable
{
    private readonly CookieContainer _cookies = new();
    private HttpClient? _http;

    public HttpClient Http => _http ??= new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies, AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = address };

    /// <summary>Opens a session with a login link or an API token (<c>/login?token=</c>).</summary>
    public async Task SignInAsync(string tokenOrLoginLink, CancellationToken ct)
    {
        var path = tokenOrLoginLink.StartsWith("http", StringComparison.Ordinal)
            ? new Uri(tokenOrLoginLink).PathAndQuery
            : "/login?token=" + Uri.EscapeDataString(tokenOrLoginLink);
        using var answer = await Http.GetAsync(new Uri(path, UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
    }

    public async Task<(HttpStatusCode Status, string Html, HttpResponseMessage Answer)> GetAsync(string path, CancellationToken ct)
    {
        var answer = await Http.GetAsync(new Uri(path, UriKind.Relative), ct);
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync(ct), answer);
    }

    /// <summary>The antiforgery field a page's form carries.</summary>
    public static string FormToken(string html) => FormField().Match(html) is { Success: true } m
        ? WebUtility.HtmlDecode(m.Groups[1].Value)
        : throw new InvalidOperationException("the page has no antiforgery field");

    [GeneratedRegex("name=\"baton_form\" value=\"([^\"]+)\"")]
    private static partial Regex FormField();

    public void Dispose() => _http?.Dispose();
}
