using System.Globalization;
using Baton.Core.Identity;

namespace Baton.Core.Workspaces;

/// <summary>
/// Where things live in a workspace (paths only, no I/O):
/// <c>baton.db</c>, and <c>tasks/&lt;template&gt;/&lt;identity&gt;/attempts/&lt;n&gt;/</c> per task.
/// </summary>
public sealed class WorkspaceLayout(string root)
{
    public const string DefaultDirectory = ".baton";
    public const string EnvironmentVariable = "BATON_WORKSPACE";

    /// <summary>The workspace directory, absolute.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    public string StoreFile => Path.Combine(Root, "baton.db");

    /// <summary>Held exclusively by the one orchestrator that may run in this workspace at a time.</summary>
    public string LockFile => Path.Combine(Root, "baton.lock");

    public string TasksDirectory => Path.Combine(Root, "tasks");

    public string TaskDirectory(string template, TaskIdentity identity) => Path.Combine(Root, "tasks", template, identity.Hex);

    public static string AttemptDirectory(string taskDirectory, int attempt) =>
        Path.Combine(taskDirectory, "attempts", attempt.ToString(CultureInfo.InvariantCulture));

    public static string ParamsFile(string taskDirectory) => Path.Combine(taskDirectory, "params.json");

    public static string UpstreamDirsFile(string taskDirectory) => Path.Combine(taskDirectory, "upstream_dirs");

    public static string StdoutFile(string attemptDirectory) => Path.Combine(attemptDirectory, "stdout");

    public static string StderrFile(string attemptDirectory) => Path.Combine(attemptDirectory, "stderr");

    public static string ExitFile(string attemptDirectory) => Path.Combine(attemptDirectory, "exit.json");
}
