using System.Diagnostics;

namespace Baton.Engine.Hooks;

/// <summary>
/// Runs one hook command (a group's or a task's): no shell, no input, its output and errors appended to its log
/// file, killed with its children after a timeout. Throws when it cannot start, times out or exits non-zero; the
/// caller logs that, since a hook never changes a task.
/// </summary>
internal static class HookProcess
{
    public static async Task RunAsync(
        IReadOnlyList<string> argv, string workingDirectory, IReadOnlyDictionary<string, string> environment, string log, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var start = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var word in argv.Skip(1))
        {
            start.ArgumentList.Add(word);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{argv[0]} did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        var exited = true;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            exited = false;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        // Appended: a task's on_start runs once per attempt, and a hook run again keeps what it said before.
        await File.AppendAllTextAsync(log, await output.ConfigureAwait(false) + await error.ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
        if (!exited)
        {
            throw new TimeoutException($"it ran longer than {timeout.TotalMinutes} minutes and was killed (log: {log})");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"exit code {process.ExitCode} (log: {log})");
        }
    }
}
