using System.Globalization;

namespace Baton.Testing.Executors;

/// <summary>A process as pid + start time, so a test never mistakes a later process that reuses the pid for it.</summary>
public readonly record struct ProbedProcess(int ProcessId, long StartTime)
{
    /// <summary>Whether it still runs: same pid, same start time, and not a zombie (ended, waiting to be reaped).</summary>
    public bool IsRunning =>
        ProcessProbe.TryReadStat(ProcessId, out var state, out var startTime) && startTime == StartTime && state is not ('Z' or 'X');

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"pid {ProcessId} (started at tick {StartTime})");
}

/// <summary>Looks at processes through /proc, for tests that check an executor left nothing running.</summary>
public static class ProcessProbe
{
    /// <summary>The process now running as <paramref name="processId"/>, or null when there is none.</summary>
    public static ProbedProcess? Find(int processId) =>
        TryReadStat(processId, out _, out var startTime) ? new ProbedProcess(processId, startTime) : null;

    internal static bool TryReadStat(int processId, out char state, out long startTime)
    {
        state = default;
        startTime = 0;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // Field 2 (the command name) is parenthesised and may contain anything: count fields after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        state = fields[0][0];
        startTime = long.Parse(fields[19], CultureInfo.InvariantCulture);
        return true;
    }
}

/// <summary>Waiting for something another process does, where no event says it happened: poll with a deadline.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return condition();
            }
            await Task.Delay(delay, cancellationToken);
            delay = delay * 2 > TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : delay * 2;
        }
        return true;
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> (a store query, say) until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return await condition();
            }
            await Task.Delay(delay, cancellationToken);
            delay = delay * 2 > TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : delay * 2;
        }
        return true;
    }

    /// <summary>Waits for a file a command writes, holding one complete line (the command wrote it with echo).</summary>
    public static async Task<string> ReadLineFileAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string? text = null;
        var ok = await WaitUntilAsync(() =>
        {
            try
            {
                text = File.ReadAllText(path);
                return text.EndsWith('\n');
            }
            catch (FileNotFoundException)
            {
                return false;
            }
        }, timeout, cancellationToken);
        Assert.True(ok, $"'{path}' did not appear within {timeout}");
        return text!.TrimEnd('\n');
    }

    /// <summary>Waits for a pid file and returns that process; fails when it has already gone, as it should not have.</summary>
    public static async Task<ProbedProcess> ReadPidFileAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pid = int.Parse(await ReadLineFileAsync(path, timeout, cancellationToken), CultureInfo.InvariantCulture);
        var process = ProcessProbe.Find(pid);
        Assert.True(process is not null, $"process {pid} from '{path}' is not running");
        return process.Value;
    }
}
