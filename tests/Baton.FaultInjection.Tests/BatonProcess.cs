using System.Diagnostics;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// A real <c>baton</c> process (the CLI's apphost next to the test assembly), as a user starts it from a shell:
/// its own process, output to files, killable with SIGKILL at any moment.
/// </summary>
internal sealed class BatonProcess : IDisposable
{
    private readonly Process _process;

    private BatonProcess(Process process, string output)
    {
        _process = process;
        OutputFile = output;
    }

    public string OutputFile { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The CLI program built next to this test assembly.</summary>
    public static string Program => Path.Combine(AppContext.BaseDirectory, "baton");

    /// <summary>Starts <c>baton ARGS</c>; stdout and stderr go to <paramref name="output"/>.</summary>
    public static BatonProcess Start(string output, params string[] args)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            // sh only redirects and execs: the pid is baton's own.
            ArgumentList = { "-c", "exec \"$0\" \"$@\" >>\"$BATON_TEST_OUTPUT\" 2>&1 </dev/null", Program },
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["BATON_TEST_OUTPUT"] = output;
        return new BatonProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start baton"), output);
    }

    /// <summary>Runs <c>baton ARGS</c> to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string output, TimeSpan timeout, params string[] args)
    {
        using var baton = Start(output, args);
        var code = await baton.WaitAsync(timeout);
        return (code, await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as <c>kill -9</c>: no handler runs, nothing is flushed.</summary>
    public async Task KillHardAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
