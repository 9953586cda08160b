using Baton.Core.Workspaces;

namespace Baton.Hosting.Workspaces;

/// <summary>Which workspace a command uses: <c>--workspace</c>, else <c>BATON_WORKSPACE</c>, else <c>./.baton</c>.</summary>
public static class WorkspaceLocation
{
    public static WorkspaceLayout Resolve(string? option)
    {
        var path = !string.IsNullOrWhiteSpace(option)
            ? option
            : Environment.GetEnvironmentVariable(WorkspaceLayout.EnvironmentVariable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : WorkspaceLayout.DefaultDirectory;
        return new WorkspaceLayout(path);
    }
}
