using System.Diagnostics;

namespace Baton.Testing.Executors;

/// <summary>
/// The real SLURM the tests run against (scripts/slurm/start starts one; scripts/test calls it). When none answers,
/// a test fails under <c>CI=true</c> and is skipped with the reason otherwise.
/// </summary>
public static class SlurmCluster
{
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Call first in every test that needs the cluster.</summary>
    public static void Require()
    {
        if (Problem.Value is not { } problem)
        {
            return;
        }
        var message = "no SLURM cluster answers (" + problem + "); start one with scripts/slurm/start";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
    }

    private static string? Probe()
    {
        try
        {
            var info = new ProcessStartInfo("scontrol", "ping") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return "scontrol ping did not answer within 30 s";
            }
            return output.Contains("UP", StringComparison.Ordinal) ? null : "scontrol ping: " + output.Trim().Split('\n')[0];
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return "scontrol: " + e.Message;
        }
    }

    /// <summary>Cancels every job of a test's executor (by its unique job name): a failed test leaves nothing queued.</summary>
    public static void CancelAll(string jobName)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("scancel", ["--name=" + jobName]) { RedirectStandardError = true });
            process?.WaitForExit(30_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No SLURM here: nothing to cancel.
        }
    }
}
