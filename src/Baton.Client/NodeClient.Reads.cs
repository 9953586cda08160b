using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Status;

namespace Baton.Client;

/// <summary>The read API: runs, tasks, attempts, their logs, usage and error clusters.</summary>
public sealed partial class NodeClient : INodeReads
{
    public Task<RunList> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = new QueryText()
            .Add("workflow", query.Workflow)
            .Add("submitted_by", query.SubmittedBy)
            .AddEach("status", query.Statuses?.Select(s => s.ToString().ToLowerInvariant()))
            .Add("since", query.Since?.ToString("O", CultureInfo.InvariantCulture))
            .Add("until", query.Until?.ToString("O", CultureInfo.InvariantCulture))
            .Add("all", query.AllVersions ? "true" : null)
            .Add("after", query.After)
            .Add("limit", query.Limit.ToString(CultureInfo.InvariantCulture));
        return GetAsync("api/v1/runs" + q, NodeJson.Default.RunList, cancellationToken);
    }

    public Task<RunInfo?> GetRunAsync(long runId, CancellationToken cancellationToken) =>
        OrNullAsync(GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v1/runs/{runId}"), NodeJson.Default.RunInfo, cancellationToken));

    public Task<TaskList> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = new QueryText()
            .Add("workflow", query.Workflow)
            .Add("run", query.RunId?.ToString(CultureInfo.InvariantCulture))
            .AddEach("state", query.States?.Select(s => s.ToWord()))
            .Add("template", query.Template)
            .Add("tag", query.Tag)
            .Add("attr", query.Attribute)
            .Add("q", query.Text)
            .Add("all", query.AllVersions ? "true" : null)
            .Add("after", query.After)
            .Add("limit", query.Limit.ToString(CultureInfo.InvariantCulture));
        return GetAsync("api/v1/tasks" + q, NodeJson.Default.TaskList, cancellationToken);
    }

    public Task<TaskDetails?> GetTaskAsync(long taskId, CancellationToken cancellationToken) =>
        OrNullAsync(GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v1/tasks/{taskId}"), NodeJson.Default.TaskDetails, cancellationToken));

    /// <summary>A task's attempts, by number.</summary>
    public Task<IReadOnlyList<AttemptRow>> AttemptsAsync(long taskId, CancellationToken cancellationToken) =>
        GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v1/tasks/{taskId}/attempts"), NodeJson.Default.IReadOnlyListAttemptRow, cancellationToken);

    public Task<IReadOnlyList<TemplateUsage>> UsageAsync(InsightQuery query, CancellationToken cancellationToken) =>
        GetAsync("api/v1/usage" + Insight(query), NodeJson.Default.IReadOnlyListTemplateUsage, cancellationToken);

    public Task<IReadOnlyList<ErrorCluster>> ErrorsAsync(InsightQuery query, int lastLines, CancellationToken cancellationToken) =>
        GetAsync("api/v1/errors" + Insight(query).Add("lines", lastLines.ToString(CultureInfo.InvariantCulture)), NodeJson.Default.IReadOnlyListErrorCluster, cancellationToken);

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLogAsync(long taskId, int attempt, LogStream stream, long offset, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = LogPath(taskId, attempt, stream);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(
            follow ? path + new QueryText().Add("follow", "true").Add("offset", offset.ToString(CultureInfo.InvariantCulture)) : path,
            UriKind.Relative));
        if (!follow && offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            yield break; // nothing at or after the offset
        }
        await EnsureFoundAsync(response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                yield return buffer.AsMemory(0, read).ToArray();
            }
        }
    }

    /// <summary>
    /// Bytes <paramref name="from"/> to <paramref name="to"/> (inclusive; to the end when null) of an attempt's log,
    /// by an HTTP range request; empty when the log is shorter than <paramref name="from"/>.
    /// </summary>
    public async Task<byte[]> ReadLogRangeAsync(long taskId, int attempt, LogStream stream, long from, long? to, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(LogPath(taskId, attempt, stream), UriKind.Relative));
        request.Headers.Range = new RangeHeaderValue(from, to);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return [];
        }
        await EnsureFoundAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string LogPath(long taskId, int attempt, LogStream stream) =>
        string.Create(CultureInfo.InvariantCulture, $"api/v1/tasks/{taskId}/attempts/{attempt}/logs/{(stream == LogStream.Stderr ? "stderr" : "stdout")}");

    private static QueryText Insight(InsightQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new QueryText()
            .Add("workflow", query.Workflow)
            .Add("template", query.Template)
            .Add("run", query.RunId?.ToString(CultureInfo.InvariantCulture))
            .Add("all", query.AllVersions ? "true" : null);
    }

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureFoundAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the node answered {path} with no body");
    }

    /// <summary>A 404 problem of the API is a <see cref="NotFoundException"/>; other refusals as every call reads them.</summary>
    private static async Task EnsureFoundAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            ApiProblem? problem = null;
            try
            {
                problem = await response.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
            }
            if (problem?.Type == ApiProblems.NotFound)
            {
                throw new NotFoundException(problem.Detail ?? problem.Title ?? "not found");
            }
        }
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T?> OrNullAsync<T>(Task<T> call)
        where T : class
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>A query string built from the parameters that are set, each escaped.</summary>
    private sealed class QueryText
    {
        private readonly StringBuilder _text = new();

        public QueryText Add(string name, string? value)
        {
            if (value is not null)
            {
                _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
            return this;
        }

        public QueryText AddEach(string name, IEnumerable<string>? values)
        {
            foreach (var value in values ?? [])
            {
                Add(name, value);
            }
            return this;
        }

        public override string ToString() => _text.ToString();
    }
}
