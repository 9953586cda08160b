using System.Diagnostics;

namespace Baton.Testing.Executors;

/// <summary>
/// Writes files that a test then executes. Not with File.WriteAllText: while this process holds a file open for
/// writing, any process it spawns at that moment (tests run in parallel) holds a copy of the descriptor until
/// it execs, and executing the file in that window fails with ETXTBSY ("Text file busy"). A short-lived shell
/// writes it instead, so the only writer has exited before anyone executes the file.
/// </summary>
public static class ExecutableFiles
{
    public static void Write(string path, string content) =>
        Run("printf '%s' \"$2\" > \"$1\" && chmod 755 \"$1\"", path, content);

    public static void Copy(string source, string destination) =>
        Run("cp \"$1\" \"$2\" && chmod 755 \"$2\"", source, destination);

    private static void Run(string script, string first, string second)
    {
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", script, "sh", first, second })
        {
            startInfo.ArgumentList.Add(arg);
        }
        using var process = Process.Start(startInfo)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"could not write '{second}': {error}");
        }
    }
}
