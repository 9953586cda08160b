using System.Net;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Dashboard.Tests;

/// <summary>The dashboard's pages over HTTP, against a real node that ran the quickstart.</summary>
public sealed class PageTests(DashboardNode node) : IClassFixture<DashboardNode>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_without_a_session_is_sent_to_the_sign_in_page_not_a_401()
    {
        using var browser = new CookieBrowser(node.Address);
        var (status, _, answer) = await browser.GetAsync("/ui/runs/1?state=done", Ct);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Equal("/ui/signin?back=%2Fui%2Fruns%2F1%3Fstate%3Ddone", answer.Headers.Location?.OriginalString);

        var (signInStatus, html, signIn) = await browser.GetAsync("/ui/signin", Ct);
        Assert.Equal(HttpStatusCode.OK, signInStatus);
        Assert.Contains("<label for=\"token\">API token</label>", html, StringComparison.Ordinal);
        Assert.Equal(Layout.ContentSecurityPolicy, signIn.Headers.GetValues("Content-Security-Policy").Single());

        // The API still answers a problem: only the dashboard's pages redirect.
        var (apiStatus, _, _) = await browser.GetAsync("/api/v1/runs", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, apiStatus);
    }

    [Fact]
    public async Task The_login_link_opens_a_session_and_the_runs_page_lists_the_quickstart_with_13_done()
    {
        using var browser = new CookieBrowser(node.Address);
        await browser.SignInAsync(node.Server.NewLoginLink()!.AbsoluteUri, Ct);
        var (rootStatus, _, root) = await browser.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.Redirect, rootStatus);
        Assert.Equal("/ui", root.Headers.Location?.OriginalString);

        var (status, html, answer) = await browser.GetAsync("/ui?workflow=quickstart", Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Layout.ContentSecurityPolicy, answer.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains($"<a href=\"/ui/runs/{node.QuickstartRun}\">#{node.QuickstartRun}</a>", html, StringComparison.Ordinal);
        Assert.Contains("13 done", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html.Replace("<script src=\"/ui/static/dashboard.js\" defer></script>", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_page_shows_templates_graph_timeline_and_a_filtered_sorted_paged_task_table()
    {
        using var browser = new CookieBrowser(node.Address);
        await browser.SignInAsync(await node.TokenAsync("reader-run", "read", Ct), Ct);
        var (status, html, _) = await browser.GetAsync($"/ui/runs/{node.QuickstartRun}", Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        // report is a one-off command: its template is "command".
        foreach (var template in new[] { "simulate", "analyze", "command" })
        {
            Assert.Contains($"<tr data-template=\"{template}\">", html, StringComparison.Ordinal);
            Assert.Contains($"<g class=\"node\" data-template=\"{template}\">", html, StringComparison.Ordinal);
        }
        Assert.Contains("<svg class=\"graph\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"edge\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"timeline\"", html, StringComparison.Ordinal);
        Assert.Contains("report #1", html, StringComparison.Ordinal);
        Assert.Contains("No failed attempt.", html, StringComparison.Ordinal);
        // A reader sees no button.
        Assert.DoesNotContain("<form method=\"post\"", html, StringComparison.Ordinal);

        var (_, search, _) = await browser.GetAsync($"/ui/runs/{node.QuickstartRun}?q=ANALYZE-3.9&sort=name", Ct);
        Assert.Contains(">analyze-3.9-1</a>", search, StringComparison.Ordinal);
        Assert.Contains(">analyze-3.9-2</a>", search, StringComparison.Ordinal);
        Assert.DoesNotContain(">sim-3.9-1</a>", search, StringComparison.Ordinal);
        Assert.True(search.IndexOf(">analyze-3.9-1</a>", StringComparison.Ordinal) < search.IndexOf(">analyze-3.9-2</a>", StringComparison.Ordinal));

        var (_, failed, _) = await browser.GetAsync($"/ui/runs/{node.QuickstartRun}?state=failed", Ct);
        Assert.Contains("No task matches.", failed, StringComparison.Ordinal);
        Assert.Contains("<option value=\"failed\" selected>", failed, StringComparison.Ordinal);

        var (countsStatus, counts, _) = await browser.GetAsync($"/ui/runs/{node.QuickstartRun}/counts", Ct);
        Assert.Equal(HttpStatusCode.OK, countsStatus);
        Assert.StartsWith("<section aria-labelledby=\"counts-h\" id=\"counts\">", counts, StringComparison.Ordinal);
        Assert.Contains("13 done", counts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_task_page_shows_the_report_its_argv_upstream_and_its_log_paged_by_byte_range()
    {
        var report = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "quickstart", NameOrIdentity = "report" }, Ct)).Single();
        using var browser = new CookieBrowser(node.Address);
        await browser.SignInAsync(await node.TokenAsync("reader-task", "read", Ct), Ct);
        var (status, html, _) = await browser.GetAsync($"/ui/tasks/{report.TaskId}", Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>report <span class=\"muted\">", html, StringComparison.Ordinal);
        Assert.Contains(">analyze-2.8-1</a>", html, StringComparison.Ordinal);
        Assert.Contains("report.sh", html, StringComparison.Ordinal);
        Assert.Contains("<pre class=\"log\" id=\"log\"", html, StringComparison.Ordinal);
        Assert.Contains("analyze-3.9-1", html[html.IndexOf("id=\"log\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain("data-follow", html, StringComparison.Ordinal);

        var (_, paged, _) = await browser.GetAsync($"/ui/tasks/{report.TaskId}?attempt=1&stream=stdout&offset=5", Ct);
        Assert.Matches("Bytes 5–[0-9]+ of [0-9]+", paged);
        var (badStatus, bad, _) = await browser.GetAsync($"/ui/tasks/{report.TaskId}?attempt=1&stream=..%2Fsecret", Ct);
        Assert.Contains("not a log name", bad, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
    }

    [Fact]
    public async Task Every_user_controlled_string_is_html_encoded()
    {
        var file = node.WriteWorkflow("hostile.yaml", """
            name: hostile
            templates:
              say:
                command: sh -c 'printf "%s\n" "$1"; printf "<img src=x onerror=alert(2)>\n"' sh {text}
                node_args: [text]
            tasks:
              - name: say
                template: say
                args: { text: "<script>alert(1)</script>" }
            """);
        var run = await node.RunToEndAsync(file, Ct);
        var task = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "hostile" }, Ct)).Single();
        Assert.Equal(TaskState.Done, task.State);
        using var browser = new CookieBrowser(node.Address);
        await browser.SignInAsync(await node.TokenAsync("reader-hostile", "read", Ct), Ct);

        var (_, page, _) = await browser.GetAsync($"/ui/tasks/{task.TaskId}", Ct);
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);

        var (_, runs, _) = await browser.GetAsync("/ui?workflow=%22%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E", Ct);
        Assert.DoesNotContain("<script>alert(3)", runs, StringComparison.Ordinal);
        Assert.Contains("value=\"&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\"", runs, StringComparison.Ordinal);
        var (_, runPage, _) = await browser.GetAsync($"/ui/runs/{run}?q=%3Cb%3E", Ct);
        Assert.Contains("value=\"&lt;b&gt;\"", runPage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_builder_encodes_every_hole_but_raw_markup()
    {
        var name = "<a href='x'>\"&";
        Assert.Equal("<p>&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;</p>", Html.Of($"<p>{name}</p>").Value);
        Assert.Equal("<p><b>ok</b></p>", Html.Of($"<p>{new RawHtml("<b>ok</b>")}</p>").Value);
    }

    [Fact]
    public async Task Bad_input_and_unknown_ids_are_pages_with_the_right_status()
    {
        using var browser = new CookieBrowser(node.Address);
        await browser.SignInAsync(await node.TokenAsync("reader-bad", "read", Ct), Ct);
        var (status, html, answer) = await browser.GetAsync("/ui/runs/99999", Ct);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no run 99999", html, StringComparison.Ordinal);
        Assert.Equal(Layout.ContentSecurityPolicy, answer.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync("/ui?status=bogus", Ct)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync($"/ui/runs/{node.QuickstartRun}?sort=bogus", Ct)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/ui/static/..%2F..%2Fetc%2Fpasswd", Ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/ui/static/dashboard.js", Ct)).Status);
    }

    [Fact]
    public async Task Signing_in_with_a_pasted_token_needs_the_forms_antiforgery_token_and_goes_back_only_inside_the_dashboard()
    {
        var secret = await node.TokenAsync("paster", "read", Ct);
        using var browser = new CookieBrowser(node.Address);
        var (_, form, _) = await browser.GetAsync("/ui/signin?back=%2Fui%3Fstatus%3Ddone", Ct);

        using var forged = await browser.Http.PostAsync(new Uri("/ui/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = secret }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        using var wrong = await browser.Http.PostAsync(new Uri("/ui/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["baton_form"] = CookieBrowser.FormToken(form), ["token"] = "baton_nope", ["back"] = "/ui",
        }), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var signed = await browser.Http.PostAsync(new Uri("/ui/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["baton_form"] = CookieBrowser.FormToken(form), ["token"] = secret, ["back"] = "/ui?status=done",
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, signed.StatusCode);
        Assert.Equal("/ui?status=done", signed.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/ui", Ct)).Status);

        Assert.Equal("/ui", Pages.SignInPage.LocalPath("//evil.example/ui"));
        Assert.Equal("/ui", Pages.SignInPage.LocalPath("https://evil.example/ui"));
        Assert.Equal("/ui", Pages.SignInPage.LocalPath("/ui\\..\\x"));
    }

    [Fact]
    public async Task A_kill_needs_the_submit_scope_the_antiforgery_token_and_the_runs_owner()
    {
        var gate = node.PathOf("kill-rules-gate");
        var file = node.WriteWorkflow("kill-rules.yaml", $$"""
            name: kill-rules
            defaults: { max_attempts: 1 }
            tasks:
              - name: wait
                command: sh -c 'while [ ! -e {{gate}} ]; do sleep 0.05; done'
            """);
        var run = await node.SubmitAsync(file, Ct);
        try
        {
            var task = (await node.Node.Store.ListTasksAsync(new TaskFilter { Workflow = "kill-rules" }, Ct)).Single();
            var path = $"/ui/tasks/{task.TaskId}/kill";

            using var reader = new CookieBrowser(node.Address);
            await reader.SignInAsync(await node.TokenAsync("kill-reader", "read", Ct), Ct);
            var (_, readerPage, _) = await reader.GetAsync($"/ui/tasks/{task.TaskId}", Ct);
            Assert.DoesNotContain("id=\"kill\"", readerPage, StringComparison.Ordinal);
            using var refused = await reader.Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using var refusedInterrupt = await reader.Http.PostAsync(new Uri($"/ui/runs/{run}/interrupt", UriKind.Relative), new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refusedInterrupt.StatusCode);

            // A submit token may change only the runs it submitted: this one was the workspace owner's.
            using var other = new CookieBrowser(node.Address);
            await other.SignInAsync(await node.TokenAsync("kill-submitter", "submit", Ct), Ct);
            var (_, otherPage, _) = await other.GetAsync($"/ui/tasks/{task.TaskId}", Ct);
            using var notOwner = await other.Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["baton_form"] = CookieBrowser.FormToken(otherPage) }), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, notOwner.StatusCode);
            Assert.Contains("a submit token may change only the runs it submitted", await notOwner.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

            using var admin = new CookieBrowser(node.Address);
            await admin.SignInAsync(node.Server.NewLoginLink()!.AbsoluteUri, Ct);
            using var forged = await admin.Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            using var forgedInterrupt = await admin.Http.PostAsync(new Uri($"/ui/runs/{run}/interrupt", UriKind.Relative), new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, forgedInterrupt.StatusCode);
            Assert.NotEqual(TaskState.Killed, (await node.Node.Store.GetTaskDetailsAsync(task.TaskId, Ct))!.Task.State);
        }
        finally
        {
            await File.WriteAllTextAsync(gate, "", Ct);
            await foreach (var update in node.Client.FollowAsync(run, Ct))
            {
                _ = update;
            }
        }
    }
}
