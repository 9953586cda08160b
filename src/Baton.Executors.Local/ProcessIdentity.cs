using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Baton.Executors.Local;

/// <summary>
/// A process told apart from later processes that reuse its pid: the pid plus its start time
/// (field 22 of <c>/proc/&lt;pid&gt;/stat</c>, in clock ticks since boot). Crash recovery matches a recorded
/// attempt against a live process with this pair, never with the pid alone.
/// </summary>
public readonly record struct ProcessIdentity(int ProcessId, long StartTime)
{
    /// <summary>The identity of the live process <paramref name="processId"/>, or null when there is none.</summary>
    public static ProcessIdentity? Of(int processId) =>
        TryReadStat(processId, out var stat) ? new ProcessIdentity(processId, stat.StartTime) : null;

    /// <summary>Reads a process's start time; null when the process does not exist (or has been reaped).</summary>
    public static long? TryGetStartTime(int processId) =>
        TryReadStat(processId, out var stat) ? stat.StartTime : null;

    /// <summary>
    /// Whether this very process still runs: the pid exists, has the same start time (so it is not a reuse of
    /// the pid) and is not a zombie (a zombie has ended; it only waits for its parent to reap it).
    /// </summary>
    public bool IsAlive() =>
        TryReadStat(ProcessId, out var stat) && stat.StartTime == StartTime && !stat.HasEnded;

    /// <summary>"PID@STARTTIME": the local executor's id of an attempt (the store keeps it).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ProcessId}@{StartTime}");

    /// <summary>Parses <see cref="ToString"/>'s form; false for anything else (a bare pid included).</summary>
    public static bool TryParse(string? text, out ProcessIdentity identity)
    {
        identity = default;
        var at = text?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        if (at <= 0
            || !int.TryParse(text.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }
        identity = new ProcessIdentity(pid, start);
        return true;
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> the executor uses.</summary>
    internal readonly record struct StatFields(char State, int ProcessGroupId, long StartTime)
    {
        /// <summary>Z (zombie) and X (dead): the process has ended.</summary>
        public bool HasEnded => State is 'Z' or 'X' or 'x';
    }

    internal static unsafe bool TryReadStat(int processId, out StatFields stat)
    {
        stat = default;
        if (processId <= 0)
        {
            return false;
        }
        // Plain system calls into a stack buffer: the supervisor reads this once per program it starts. A stat
        // line is about 300 bytes; the command name in it is at most 64.
        Span<byte> path = stackalloc byte[32];
        "/proc/"u8.CopyTo(path);
        Utf8Formatter.TryFormat(processId, path[6..], out var digits);
        "/stat\0"u8.CopyTo(path[(6 + digits)..]);
        Span<byte> bytes = stackalloc byte[1024];
        int length;
        fixed (byte* p = path, b = bytes)
        {
            var fd = Native.Open(p, Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                // Gone, or never there.
                return false;
            }
            var n = Native.Read(fd, b, bytes.Length);
            _ = Native.Close(fd);
            if (n <= 0)
            {
                return false;
            }
            length = (int)n;
        }
        Span<char> text = stackalloc char[length];
        // The fields the parser reads are ASCII; the command name (skipped) may be anything.
        Encoding.Latin1.GetChars(bytes[..length], text);
        return TryParseStat(text, out stat);
    }

    /// <summary>
    /// Parses a stat line. Field 2 (comm) is in parentheses and may itself hold spaces and parentheses, so the
    /// fields are counted from the last ')'.
    /// </summary>
    internal static bool TryParseStat(ReadOnlySpan<char> text, out StatFields stat)
    {
        stat = default;
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return false;
        }
        // After ") " come field 3 (state), 4 (ppid), 5 (pgrp), ... 22 (starttime).
        var rest = text[(close + 2)..];
        char state = default;
        var pgrp = 0;
        long startTime = 0;
        var field = 3;
        foreach (var range in rest.Split(' '))
        {
            var value = rest[range];
            switch (field)
            {
                case 3:
                    if (value.Length != 1)
                    {
                        return false;
                    }
                    state = value[0];
                    break;
                case 5:
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out pgrp))
                    {
                        return false;
                    }
                    break;
                case 22:
                    if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out startTime))
                    {
                        return false;
                    }
                    stat = new StatFields(state, pgrp, startTime);
                    return true;
            }
            field++;
        }
        return false;
    }
}
