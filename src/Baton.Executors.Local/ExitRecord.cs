using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;

namespace Baton.Executors.Local;

/// <summary>
/// The content of an attempt's <c>exit.json</c> (documented in docs/executors.md). The supervisor writes every
/// record: <c>{"exit_code":N}</c> when the program ended on its own, a record with an <see cref="Outcome"/> and a
/// null exit code when it was killed or timed out (or its status could not be read). The executor writes one only
/// when the supervisor itself has vanished (<c>lost</c>).
/// </summary>
public sealed record ExitRecord
{
    /// <summary>The program's exit status as a shell reports it: 128+N when signal N ended it; null when the attempt was ended for it.</summary>
    [JsonPropertyName("exit_code")]
    public int? ExitCode { get; init; }

    /// <summary>An attempt outcome word (<c>killed</c>, <c>timed_out</c>, <c>lost</c>); absent when the exit code decides.</summary>
    [JsonPropertyName("outcome")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Outcome { get; init; }

    /// <summary>The signal that ended the program, when Baton ended it.</summary>
    [JsonPropertyName("signal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Signal { get; init; }

    /// <summary>When the supervisor saw the attempt end; only in records with an <see cref="Outcome"/>.</summary>
    [JsonPropertyName("ended_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? EndedAt { get; init; }

    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    /// <summary>What the attempt used, from the kernel's accounting of the ended program and what it reaped.</summary>
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExitUsage? Usage { get; init; }

    /// <summary>The attempt result this record stands for.</summary>
    public AttemptResult ToResult(DateTimeOffset startedAt, DateTimeOffset endedAt)
    {
        var usage = Usage?.ToAttemptUsage();
        if (Outcome is not null)
        {
            return new AttemptResult(LifecycleNames.ParseOutcome(Outcome), ExitCode, startedAt, endedAt, Message) { Usage = usage };
        }
        var code = ExitCode ?? throw new InvalidOperationException("an exit record has neither an exit code nor an outcome");
        return code == 0
            ? new AttemptResult(AttemptOutcome.Succeeded, 0, startedAt, endedAt, Message) { Usage = usage }
            : new AttemptResult(AttemptOutcome.Failed, code, startedAt, endedAt, Message ?? DescribeExitCode(code)) { Usage = usage };
    }

    /// <summary>"exit code 3", or for a shell status above 128 "killed by signal 9 (SIGKILL)".</summary>
    public static string DescribeExitCode(int code)
    {
        if (code > 128 && code < 128 + 65)
        {
            var signal = code - 128;
            return string.Create(CultureInfo.InvariantCulture, $"exit code {code}: killed by signal {signal}{SignalName(signal)}");
        }
        return string.Create(CultureInfo.InvariantCulture, $"exit code {code}");
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        3 => " (SIGQUIT)",
        4 => " (SIGILL)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        13 => " (SIGPIPE)",
        14 => " (SIGALRM)",
        15 => " (SIGTERM)",
        24 => " (SIGXCPU)",
        25 => " (SIGXFSZ)",
        _ => "",
    };
}

/// <summary>The <c>usage</c> object of exit.json: seconds as decimals, memory in bytes.</summary>
public sealed record ExitUsage
{
    /// <summary>From the start of the program to its end, as the supervisor saw them.</summary>
    [JsonPropertyName("wall_seconds")]
    public double WallSeconds { get; init; }

    [JsonPropertyName("user_seconds")]
    public double UserSeconds { get; init; }

    [JsonPropertyName("system_seconds")]
    public double SystemSeconds { get; init; }

    /// <summary>
    /// The largest resident set of the program or of any descendant it reaped (the kernel's ru_maxrss); 0 when that
    /// figure is not above what the program inherited from the supervisor at its spawn, so cannot be told from it.
    /// </summary>
    [JsonPropertyName("max_rss_bytes")]
    public long MaxRssBytes { get; init; }

    /// <summary>
    /// True when <see cref="MaxRssBytes"/> did not exceed the supervisor's own peak when it started the program: the
    /// kernel counts the spawner's memory at exec, so the figure is then only an upper bound of the program's peak.
    /// </summary>
    [JsonPropertyName("max_rss_upper_bound")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MaxRssIsUpperBound { get; init; }

    public AttemptUsage ToAttemptUsage() => new(
        TimeSpan.FromSeconds(WallSeconds), TimeSpan.FromSeconds(UserSeconds), TimeSpan.FromSeconds(SystemSeconds), MaxRssBytes);
}

[JsonSerializable(typeof(ExitRecord))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class ExitRecordJsonContext : JsonSerializerContext;

/// <summary>Reading and writing <c>exit.json</c>, shared by the executor and crash recovery.</summary>
public static class ExitRecords
{
    /// <summary>
    /// Reads an exit record. False with <paramref name="error"/> set when the file is missing, unreadable, not
    /// JSON, or has neither an exit code nor an outcome.
    /// </summary>
    public static bool TryRead(string path, out ExitRecord? record, out string? error)
    {
        record = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error = "missing";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = "unreadable: " + e.Message;
            return false;
        }
        return TryParse(bytes, out record, out error);
    }

    /// <summary>Parses a record (the content of exit.json, or the supervisor's copy of it); false with <paramref name="error"/> as <see cref="TryRead"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out ExitRecord? record, out string? error)
    {
        try
        {
            record = JsonSerializer.Deserialize(json, ExitRecordJsonContext.Default.ExitRecord);
        }
        catch (JsonException e)
        {
            record = null;
            error = "not valid JSON: " + e.Message;
            return false;
        }
        if (record is null || (record.ExitCode is null && record.Outcome is null))
        {
            record = null;
            error = "has neither exit_code nor outcome";
            return false;
        }
        if (record.Outcome is not null && !IsKnownOutcome(record.Outcome))
        {
            error = $"has an unknown outcome '{record.Outcome}'";
            record = null;
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>The record as exit.json holds it: one line of JSON and a newline.</summary>
    public static byte[] Serialize(ExitRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var json = JsonSerializer.SerializeToUtf8Bytes(record, ExitRecordJsonContext.Default.ExitRecord);
        var bytes = new byte[json.Length + 1];
        json.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="record"/> to <paramref name="path"/> atomically: a reader sees the old file or the
    /// whole new one, never a part (temp file in the same directory, then rename over).
    /// </summary>
    public static void WriteAtomically(string path, ExitRecord record)
    {
        ArgumentNullException.ThrowIfNull(path);
        // A temp name of its own, so it can never collide with the supervisor's.
        var errno = TryWriteAtomically(Encoding.UTF8.GetBytes(path), Serialize(record), ".executor.tmp"u8);
        if (errno != 0)
        {
            throw new IOException($"cannot write '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> (UTF-8, no NUL) through the temp file
    /// path + <paramref name="tempSuffix"/> and a rename; returns 0 or the errno of the call that failed. Plain
    /// system calls (no FileStream, no locking): the supervisor does this once per attempt. The temp file is
    /// fsynced before the rename and the directory after it, so that once this returns the record survives a power
    /// loss: without the first, a crash could leave an empty exit.json renamed into place; without the second, the
    /// rename itself could be lost (docs/crash-safety.md).
    /// </summary>
    internal static unsafe int TryWriteAtomically(ReadOnlySpan<byte> path, ReadOnlySpan<byte> content, ReadOnlySpan<byte> tempSuffix)
    {
        var size = path.Length + tempSuffix.Length + 1;
        var temp = size <= 1024 ? stackalloc byte[size] : new byte[size];
        var final = size <= 1024 ? stackalloc byte[size] : new byte[size];
        path.CopyTo(temp);
        tempSuffix.CopyTo(temp[path.Length..]);
        temp[^1] = 0;
        path.CopyTo(final);
        final[path.Length] = 0;
        fixed (byte* t = temp, f = final)
        {
            var fd = Native.Open(t, Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC | Native.O_CLOEXEC, 0x1b6 /* 0666, less umask */);
            if (fd < 0)
            {
                return Marshal.GetLastPInvokeError();
            }
            var errno = Native.WriteAll(fd, content);
            if (errno == 0 && Native.Fsync(fd) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
            }
            _ = Native.Close(fd);
            if (errno == 0 && Native.Rename(t, f) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
            }
            return errno == 0 ? SyncDirectory(final[..path.Length]) : errno;
        }
    }

    // The directory holding path: its entry for the renamed file is made durable.
    private static unsafe int SyncDirectory(ReadOnlySpan<byte> path)
    {
        var slash = path.LastIndexOf((byte)'/');
        var directory = slash switch
        {
            < 0 => "."u8,
            0 => "/"u8,
            _ => path[..slash],
        };
        var z = directory.Length <= 1024 ? stackalloc byte[directory.Length + 1] : new byte[directory.Length + 1];
        directory.CopyTo(z);
        z[^1] = 0;
        fixed (byte* d = z)
        {
            var fd = Native.Open(d, Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                return Marshal.GetLastPInvokeError();
            }
            var errno = Native.Fsync(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();
            _ = Native.Close(fd);
            // Some file systems do not sync directories (EINVAL): the rename is then as durable as they make it.
            return errno == Native.EINVAL ? 0 : errno;
        }
    }

    private static bool IsKnownOutcome(string word)
    {
        foreach (var outcome in Enum.GetValues<AttemptOutcome>())
        {
            if (outcome.ToWord() == word)
            {
                return true;
            }
        }
        return false;
    }
}
