using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Baton.Executors.Slurm;

/// <summary>What a SLURM command printed and how it ended.</summary>
internal readonly record struct CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The first line of stderr (or stdout), for a one-line error message.</summary>
    public string FirstErrorLine()
    {
        var text = Stderr.Trim().Length > 0 ? Stderr : Stdout;
        var line = text.Trim().Split('\n', 2)[0].Trim();
        return line.Length > 0 ? line : string.Create(CultureInfo.InvariantCulture, $"exit code {ExitCode}");
    }
}

/// <summary>Runs the SLURM commands (short-lived client programs), with arguments passed as given, never through a shell.</summary>
internal sealed class SlurmCommands(SlurmCommandPaths paths)
{
    public SlurmCommandPaths Paths => paths;

    public Task<CommandResult> SbatchAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(paths.Sbatch, arguments, cancellationToken);

    public Task<CommandResult> SqueueAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(paths.Squeue, arguments, cancellationToken);

    public Task<CommandResult> ScancelAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(paths.Scancel, arguments, cancellationToken);

    public Task<CommandResult> SacctAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(paths.Sacct, arguments, cancellationToken);

    public Task<CommandResult> ScontrolAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(paths.Scontrol, arguments, cancellationToken);

    private static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start '{program}'");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new CommandResult(127, "", $"cannot run '{program}': {e.Message}");
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                    // It had ended.
                }
                throw;
            }
            return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }
}
