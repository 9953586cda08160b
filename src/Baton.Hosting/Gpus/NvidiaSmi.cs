using System.Diagnostics;
using System.Globalization;
using Baton.Core.Gpus;

namespace Baton.Hosting.Gpus;

/// <summary>Runs <c>nvidia-smi</c> (the I/O; parsing is <see cref="NvidiaSmiOutput"/> in Core).</summary>
public static class NvidiaSmi
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The full path of nvidia-smi on the PATH, or null.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "nvidia-smi"))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs nvidia-smi with <paramref name="query"/> and CSV output; its stdout, or an exception saying why not.</summary>
    public static string Query(string program, string query)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(query);
        start.ArgumentList.Add("--format=csv,noheader,nounits");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("nvidia-smi did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"nvidia-smi did not answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nvidia-smi exited with code {process.ExitCode}: {error.Result.Trim()} {output.Result.Trim()}".TrimEnd());
        }
        return output.Result;
    }
}

/// <summary>
/// Memory that processes Baton does not own use on each GPU: every compute process nvidia-smi lists that is not a
/// descendant of this process (attempts run under the executor's supervisor, a child of <c>baton</c>). Read at most
/// once a second: a dispatch pass asks once per resource shape.
/// </summary>
public sealed class NvidiaSmiMemoryProbe(string program, GpuInventory inventory, TimeProvider time) : IGpuMemoryProbe
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private IReadOnlyDictionary<int, long> _last = new Dictionary<int, long>();
    private long _readAt = long.MinValue;

    public IReadOnlyDictionary<int, long> ForeignMemoryMiB()
    {
        if (_readAt != long.MinValue && time.GetElapsedTime(_readAt) < MaxAge)
        {
            return _last;
        }
        var byUuid = inventory.Devices.Where(d => d.Uuid is not null).ToDictionary(d => d.Uuid!, d => d.Index, StringComparer.Ordinal);
        var used = new Dictionary<int, long>();
        try
        {
            foreach (var (uuid, pid, mib) in NvidiaSmiOutput.ParseApps(NvidiaSmi.Query(program, NvidiaSmiOutput.AppsQuery)))
            {
                if (byUuid.TryGetValue(uuid, out var index) && !ProcessTree.IsDescendantOf(pid, Environment.ProcessId))
                {
                    used[index] = used.GetValueOrDefault(index) + mib;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or System.ComponentModel.Win32Exception)
        {
            // Without an answer the last one stands: better a slightly stale view than none.
            return _last;
        }
        _last = used;
        _readAt = time.GetTimestamp();
        return used;
    }
}

/// <summary>Parent links from <c>/proc</c> (Linux).</summary>
public static class ProcessTree
{
    public static bool IsDescendantOf(int pid, int ancestor)
    {
        for (var depth = 0; depth < 64 && pid > 1; depth++)
        {
            if (pid == ancestor)
            {
                return true;
            }
            pid = ParentOf(pid);
        }
        return false;
    }

    private static int ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }
}
