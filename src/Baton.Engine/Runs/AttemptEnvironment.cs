using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Workspaces;

namespace Baton.Engine.Runs;

/// <summary>The values of built-ins and <c>{dir:...}</c> references for one attempt.</summary>
internal sealed class AttemptEnvironment(
    WorkflowGraph graph,
    IReadOnlyList<string> taskDirectories,
    WorkspaceLayout layout,
    int task,
    int attempt) : ICommandEnvironment
{
    public string TaskDirectory => taskDirectories[task];

    public string AttemptDirectory => WorkspaceLayout.AttemptDirectory(TaskDirectory, attempt);

    public int Attempt => attempt;

    public string WorkflowDirectory => graph.WorkflowDirectory;

    public string Workspace => layout.Root;

    public string UpstreamDirsFile => WorkspaceLayout.UpstreamDirsFile(TaskDirectory);

    public string DirectoryOf(string upstreamTaskName) =>
        graph.TryGetIndex(upstreamTaskName, out var index)
            ? taskDirectories[index]
            : throw new InvalidOperationException($"task '{upstreamTaskName}' is not in workflow '{graph.Name}'");
}
