using Baton.Core.Errors;

namespace Baton.Hosting.Workspaces;

/// <summary>
/// The exclusive lock that lets one orchestrator at a time run a workflow (<see cref="ForWorkflow"/>); runs of
/// different workflows share a workspace and their tasks through task claims in the store. On Linux .NET takes an
/// advisory <c>flock</c> for <see cref="FileShare.None"/>; the kernel drops it when the process dies, so a
/// crashed run never leaves a stale lock behind.
/// </summary>
public sealed class WorkspaceLock : IDisposable
{
    private readonly FileStream _stream;

    private WorkspaceLock(FileStream stream) => _stream = stream;

    /// <summary>The lock file of a workflow's runs: <c>locks/&lt;digest of the name&gt;.lock</c> in the workspace.</summary>
    public static string ForWorkflow(string workspaceRoot, string workflow)
    {
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(workflow)))[..32];
        return Path.Combine(Directory.CreateDirectory(Path.Combine(workspaceRoot, "locks")).FullName, digest + ".lock");
    }

    /// <summary>Takes the lock; null when another process holds it.</summary>
    public static WorkspaceLock? TryAcquire(string lockFile)
    {
        try
        {
            return new WorkspaceLock(new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BatonInputException($"cannot lock the workspace: {ex.Message}");
        }
    }

    public void Dispose() => _stream.Dispose();
}
