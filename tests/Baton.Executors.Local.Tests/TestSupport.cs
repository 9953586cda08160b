using Baton.Core.Executors;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Testing.Executors;

namespace Baton.Executors.Local.Tests;

internal static class TestSupport
{
    public static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static AttemptRequest Request(string taskDirectory, IReadOnlyList<string> argv, int attempt = 1, TimeSpan? runtime = null) =>
        new("local-task", attempt, argv, taskDirectory, WorkspaceLayout.AttemptDirectory(taskDirectory, attempt), new ResourceRequest(1, 0, runtime));

    public static string[] Shell(string script, params string[] args) => ["/bin/sh", "-c", script, "sh", .. args];

    public static Task<AttemptResult> CompleteAsync(IAttemptHandle handle) => handle.Completion.WaitAsync(Generous, Ct);

    public static string NewDirectory(string parent, string name)
    {
        var path = Path.Combine(parent, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void WriteExecutable(string path, string text) => ExecutableFiles.Write(path, text);
}
