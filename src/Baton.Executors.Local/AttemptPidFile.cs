using System.Globalization;
using System.Text;

namespace Baton.Executors.Local;

/// <summary>
/// An attempt's <c>pid</c> file (<c>attempts/&lt;n&gt;/pid</c>, "PID STARTTIME\n"): written atomically by the
/// supervisor right after the spawn and before it replies, so the program can be found again even when the
/// orchestrator dies before it records the pid in the store. Linked into both assemblies.
/// </summary>
internal static class AttemptPidFile
{
    public const string Name = "pid";

    /// <summary>Writes the pid file into the directory of <paramref name="exitFile"/>; 0 or an errno.</summary>
    public static int TryWrite(ReadOnlySpan<byte> exitFile, ProcessIdentity identity)
    {
        var slash = exitFile.LastIndexOf((byte)'/');
        var directory = slash < 0 ? [] : exitFile[..(slash + 1)];
        Span<byte> path = stackalloc byte[directory.Length + Name.Length];
        directory.CopyTo(path);
        Encoding.ASCII.GetBytes(Name, path[directory.Length..]);
        var content = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{identity.ProcessId} {identity.StartTime}\n"));
        return ExitRecords.TryWriteAtomically(path, content, ".tmp"u8);
    }

    /// <summary>The program recorded in <paramref name="attemptDirectory"/>'s pid file; null when there is none.</summary>
    public static ProcessIdentity? TryRead(string attemptDirectory)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(attemptDirectory, Name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var parts = text.Trim().Split(' ');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }
}
