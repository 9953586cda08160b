using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;

namespace Baton.Executors.Local;

/// <summary>
/// Enforces attempts' memory limits where no cgroup can: every <see cref="LocalExecutorOptions.MemoryCheckInterval"/>
/// it sums the resident memory of each watched attempt's process group (one pass over <c>/proc</c> for all of
/// them) and kills a group past its limit, which then ends <c>out_of_memory</c>. It also keeps the largest sum seen,
/// because the kernel's own figure (ru_maxrss) is the largest single process, not the tree. Runs only while an
/// attempt with a memory limit runs.
/// </summary>
internal sealed class MemoryWatcher : IDisposable
{
    private readonly LocalExecutor _executor;
    private readonly Lock _gate = new();
    private readonly long _pageSize = Environment.SystemPageSize;
    // Guarded by _gate.
    private readonly Dictionary<int, LocalAttemptHandle> _watched = [];
    private ITimer? _timer;
    private bool _disposed;

    public MemoryWatcher(LocalExecutor executor)
    {
        _executor = executor;
    }

    public void Watch(LocalAttemptHandle handle)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _watched[handle.ProcessGroupId] = handle;
            var interval = _executor.Options.MemoryCheckInterval;
            _timer ??= _executor.Time.CreateTimer(static s => ((MemoryWatcher)s!).Check(), this, interval, interval);
        }
    }

    public void Forget(LocalAttemptHandle handle)
    {
        lock (_gate)
        {
            if (_watched.TryGetValue(handle.ProcessGroupId, out var current) && current == handle)
            {
                _watched.Remove(handle.ProcessGroupId);
            }
            if (_watched.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private void Check()
    {
        Dictionary<int, long> resident;
        lock (_gate)
        {
            if (_watched.Count == 0)
            {
                return;
            }
            resident = _watched.Keys.ToDictionary(k => k, _ => 0L);
        }
        SumResidentByGroup(resident);
        foreach (var (group, bytes) in resident)
        {
            LocalAttemptHandle? handle;
            lock (_gate)
            {
                _watched.TryGetValue(group, out handle);
            }
            if (handle is null || bytes == 0)
            {
                continue;
            }
            handle.ObserveResident(bytes);
            var limit = handle.MemoryLimit;
            if (limit > 0 && bytes > limit)
            {
                handle.RequestKill(AttemptOutcome.OutOfMemory, string.Create(CultureInfo.InvariantCulture,
                    $"memory limit {ResourceParser.FormatMemory(limit)} exceeded: the process tree's resident memory reached {ResourceParser.FormatMeasuredMemory(bytes)}"));
            }
        }
    }

    /// <summary>Adds each process's resident set (<c>/proc/PID/stat</c> field 24, pages) to its process group's sum.</summary>
    private void SumResidentByGroup(Dictionary<int, long> groups)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        Span<byte> buffer = stackalloc byte[1024];
        foreach (var entry in entries)
        {
            var name = entry.AsSpan(6);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }
            if (ReadStat(entry + "/stat", buffer) is not { } stat)
            {
                continue;
            }
            if (ParseGroupAndRss(buffer[..stat], out var group, out var rssPages) && groups.TryGetValue(group, out var sum))
            {
                groups[group] = sum + (rssPages * _pageSize);
            }
        }
    }

    private static int? ReadStat(string path, Span<byte> buffer)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            return RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between listing and reading.
            return null;
        }
    }

    /// <summary>Field 5 (process group) and field 24 (resident pages), counted after the command's closing parenthesis.</summary>
    internal static bool ParseGroupAndRss(ReadOnlySpan<byte> stat, out int group, out long rssPages)
    {
        group = 0;
        rssPages = 0;
        var close = stat.LastIndexOf((byte)')');
        if (close < 0)
        {
            return false;
        }
        // After ") " come fields 3 (state), 4 (ppid), 5 (pgrp) ... 24 (rss).
        var rest = stat[(close + 2)..];
        var field = 3;
        while (field <= 24)
        {
            var space = rest.IndexOf((byte)' ');
            var value = space < 0 ? rest : rest[..space];
            if (field == 5 && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out group))
            {
                return false;
            }
            if (field == 24)
            {
                return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out rssPages);
            }
            if (space < 0)
            {
                return false;
            }
            rest = rest[(space + 1)..];
            field++;
        }
        return false;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            _watched.Clear();
        }
    }
}
