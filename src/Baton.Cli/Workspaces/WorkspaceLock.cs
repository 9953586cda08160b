using Baton.Core.Errors;

namespace Baton.Cli.Workspaces;

/// <summary>
/// The exclusive lock that lets one orchestrator at a time drive a workspace's tasks. On Linux .NET takes an
/// advisory <c>flock</c> for <see cref="FileShare.None"/>; the kernel drops it when the process dies, so a
/// crashed run never leaves a stale lock behind.
/// </summary>
internal sealed class WorkspaceLock : IDisposable
{
    private readonly FileStream _stream;

    private WorkspaceLock(FileStream stream) => _stream = stream;

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
