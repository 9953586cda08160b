using System.Globalization;

namespace Baton.Client;

/// <summary>Output downloads: a task directory's listing, one file, or the whole directory as a zip.</summary>
public sealed partial class NodeClient : ITaskFiles
{
    public Task<TaskFileList> ListFilesAsync(long taskId, string? after, int limit, bool sha256, CancellationToken cancellationToken) =>
        GetAsync(
            FilesPath(taskId) + new QueryText().Add("after", after).Add("limit", limit.ToString(CultureInfo.InvariantCulture)).Add("sha256", sha256 ? "true" : null),
            NodeJson.Default.TaskFileList,
            cancellationToken);

    public Task CopyFileAsync(long taskId, string path, Stream destination, CancellationToken cancellationToken)
    {
        // Checked here too: a '..' part would be folded away by the URI before the node could refuse it.
        var escaped = string.Join('/', TaskFilePath.Check(path).Split('/').Select(Uri.EscapeDataString));
        return CopyAsync(FilesPath(taskId) + "/" + escaped, destination, cancellationToken);
    }

    public Task CopyZipAsync(long taskId, Stream destination, CancellationToken cancellationToken) =>
        CopyAsync(FilesPath(taskId) + "?format=zip", destination, cancellationToken);

    private async Task CopyAsync(string path, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureFoundAsync(response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await body.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string FilesPath(long taskId) => string.Create(CultureInfo.InvariantCulture, $"api/v1/tasks/{taskId}/files");
}
