using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Executors.Local;

namespace Baton.Executors.Slurm;

/// <summary>The poller: once per interval, exit.json files first, then one squeue for every job still without one.</summary>
public sealed partial class SlurmExecutor
{
    /// <summary>How many <c>squeue</c> calls the poller has made (for tests and diagnostics).</summary>
    public int StatusQueries => _statusQueries;

    private int _statusQueries;

    /// <summary>How many rounds the poller has made (for tests and diagnostics).</summary>
    public int PollRounds => _pollRounds;

    private int _pollRounds;

    /// <summary>How many <c>sacct</c> calls the poller has made (for tests and diagnostics).</summary>
    public int UsageQueries => _usageQueries;

    private int _usageQueries;

    private void EnsurePolling()
    {
        lock (_pollerLock)
        {
            if (_poller is null && !_stopping.IsCancellationRequested && !_active.IsEmpty)
            {
                _poller = Task.Run(PollLoopAsync);
            }
        }
    }

    private async Task PollLoopAsync()
    {
        var token = _stopping.Token;
        using var timer = new PeriodicTimer(_options.PollInterval, _time);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            try
            {
                await PollOnceAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollerFailed(_logger, e);
            }
        }
    }

    /// <summary>
    /// One look at every job: records first, then a single squeue for the rest, then (on a cluster with accounting)
    /// a single sacct for the ended ones whose usage is not known yet.
    /// </summary>
    internal async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _pollRounds);
        await SendCancelsAsync(cancellationToken).ConfigureAwait(false);
        _ = await ClusterConfigAsync(cancellationToken).ConfigureAwait(false);
        var waiting = new List<SlurmAttemptHandle>();
        foreach (var handle in _active.Values)
        {
            if (handle.Ended is null && !TryCompleteFromRecord(handle))
            {
                waiting.Add(handle);
            }
        }
        if (waiting.Count > 0)
        {
            await QueryStatesAsync(waiting, cancellationToken).ConfigureAwait(false);
        }
        await CollectUsageAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task QueryStatesAsync(List<SlurmAttemptHandle> waiting, CancellationToken cancellationToken)
    {
        var jobs = waiting.Select(h => BaseJobId(h.ExecutorId)).Distinct(StringComparer.Ordinal).ToList();
        Interlocked.Increment(ref _statusQueries);
        var result = await _commands.SqueueAsync(
            ["--noheader", "--states=all", "--array", "--format=%i|%T|%r", "--jobs=" + string.Join(',', jobs)],
            cancellationToken).ConfigureAwait(false);
        var states = new Dictionary<string, (string State, string Reason)>(StringComparer.Ordinal);
        if (result.Succeeded)
        {
            foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var fields = line.Split('|');
                if (fields.Length >= 2)
                {
                    states[fields[0]] = (fields[1], fields.Length > 2 ? fields[2] : "");
                }
            }
        }
        else if (!result.Stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            // squeue answered nothing useful (the controller is busy or down): nothing is concluded this round.
            LogCommandFailed(_logger, "squeue", result.FirstErrorLine());
            return;
        }
        var now = _time.GetUtcNow();
        foreach (var handle in waiting)
        {
            if (states.TryGetValue(handle.ExecutorId, out var seen))
            {
                Observe(handle, seen.State, seen.Reason, now);
            }
            else
            {
                ObserveGone(handle, now);
            }
        }
    }

    /// <summary>
    /// One sacct for every ended attempt still waiting for its usage: those accounting shows ended end with their
    /// figures; those it does not show within <see cref="SlurmExecutorOptions.UsageWaitPeriod"/> (or every one, when
    /// sacct fails) end without.
    /// </summary>
    private async Task CollectUsageAsync(CancellationToken cancellationToken)
    {
        var ended = _active.Values.Where(h => h.Ended is not null).ToList();
        if (ended.Count == 0)
        {
            return;
        }
        Interlocked.Increment(ref _usageQueries);
        var result = await _commands.SacctAsync(
            ["--noheader", "--parsable2", "--format=" + SacctUsage.Format,
             "--jobs=" + string.Join(',', ended.Select(h => BaseJobId(h.ExecutorId)).Distinct(StringComparer.Ordinal))],
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            LogCommandFailed(_logger, "sacct", result.FirstErrorLine());
        }
        var usage = result.Succeeded ? SacctUsage.Parse(result.Stdout) : [];
        var now = _time.GetUtcNow();
        foreach (var handle in ended)
        {
            if (usage.TryGetValue(handle.ExecutorId, out var figures))
            {
                Complete(handle, handle.Ended! with { Usage = WithMeasuredPeak(figures, handle) });
            }
            else if (!result.Succeeded || now - handle.EndedSeenAt >= _options.UsageWaitPeriod)
            {
                Complete(handle, handle.Ended!);
            }
        }
    }

    /// <summary>
    /// SLURM samples a job's memory once per <c>JobAcctGatherFrequency</c> and misses a program shorter than that;
    /// the job script measures the program's peak itself (<see cref="JobScript.PeakRssFileName"/>), and the larger
    /// of the two is the attempt's peak.
    /// </summary>
    private static AttemptUsage WithMeasuredPeak(AttemptUsage usage, SlurmAttemptHandle handle)
    {
        try
        {
            var text = File.ReadAllText(Path.Join(handle.AttemptDirectory, JobScript.PeakRssFileName)).Trim();
            return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kib)
                ? usage with { PeakRssBytes = Math.Max(usage.PeakRssBytes, kib * 1024) }
                : usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return usage;
        }
    }

    private void Observe(SlurmAttemptHandle handle, string state, string reason, DateTimeOffset now)
    {
        if (SlurmJobState.IsQueued(state))
        {
            return;
        }
        handle.SetRunning();
        if (SlurmJobState.IsRunning(state) || SlurmJobState.FinalOutcome(state) is not { } outcome)
        {
            return;
        }
        // The script may have written its record since this round began.
        if (TryCompleteFromRecord(handle))
        {
            return;
        }
        var memoryKill = SlurmOutputSaysMemoryLimit(handle);
        if (memoryKill)
        {
            outcome = AttemptOutcome.OutOfMemory;
        }
        else if (handle.KillRequested && outcome is AttemptOutcome.Failed or AttemptOutcome.Lost)
        {
            outcome = AttemptOutcome.Killed;
        }
        // A state that says it all ends the attempt now; a plain end without a record waits for the file system.
        if (outcome is AttemptOutcome.Failed or AttemptOutcome.Lost && !memoryKill)
        {
            handle.UnrecordedSince ??= now;
            if (now - handle.UnrecordedSince < _options.RecordGracePeriod)
            {
                return;
            }
        }
        var message = memoryKill
            ? $"SLURM job {handle.ExecutorId} exceeded its memory limit ({state})"
            : $"SLURM job {handle.ExecutorId} ended {state}{(reason is "" or "None" ? "" : " (" + reason + ")")} without an exit.json";
        CompleteWithoutRecord(handle, outcome, message, now);
    }

    private void ObserveGone(SlurmAttemptHandle handle, DateTimeOffset now)
    {
        handle.UnrecordedSince ??= now;
        if (now - handle.UnrecordedSince < _options.RecordGracePeriod)
        {
            return;
        }
        var outcome = handle.KillRequested ? AttemptOutcome.Killed : SlurmOutputSaysMemoryLimit(handle) ? AttemptOutcome.OutOfMemory : AttemptOutcome.Lost;
        CompleteWithoutRecord(handle, outcome, $"SLURM job {handle.ExecutorId} is gone from squeue without an exit.json", now);
    }

    /// <summary>Ends the attempt from its exit.json if it has one; a failure with SLURM's memory-kill line is out of memory.</summary>
    private bool TryCompleteFromRecord(SlurmAttemptHandle handle)
    {
        if (!ExitRecords.TryRead(Path.Join(handle.AttemptDirectory, "exit.json"), out var record, out _))
        {
            return false;
        }
        var now = _time.GetUtcNow();
        var result = record!.ToResult(handle.StartedAt, record.EndedAt ?? now);
        if (handle.KillRequested && (result.Outcome == AttemptOutcome.Lost || (result.Outcome == AttemptOutcome.Failed && result.ExitCode > 128)))
        {
            // Baton cancelled it, and the program died of the signal before the script learnt of the cancel:
            // killed, as the local executor records a kill whatever status the program ended with. A program that
            // had failed on its own keeps its record.
            CompleteWithoutRecord(handle, AttemptOutcome.Killed, $"SLURM job {handle.ExecutorId} cancelled on request", now);
            return true;
        }
        if (result.Outcome == AttemptOutcome.Preempted && !handle.KillRequested)
        {
            // SLURM requeued the job: its rerun would only exit (the job script says why); Baton retries the task as
            // a new attempt, so the requeued job is cancelled with the next round's scancel.
            handle.KillRequested = true;
            _cancels.Enqueue(handle.ExecutorId);
        }
        if (result.Outcome is AttemptOutcome.Failed or AttemptOutcome.Killed && !handle.KillRequested && SlurmOutputSaysMemoryLimit(handle))
        {
            result = result with { Outcome = AttemptOutcome.OutOfMemory, Message = "exceeded the job's memory limit (" + (result.Message ?? "killed") + ")" };
        }
        Finish(handle, result);
        return true;
    }

    private void CompleteWithoutRecord(SlurmAttemptHandle handle, AttemptOutcome outcome, string message, DateTimeOffset now)
    {
        var record = new ExitRecord { ExitCode = null, Outcome = outcome.ToWord(), EndedAt = now, Message = message };
        try
        {
            ExitRecords.WriteAtomically(Path.Join(handle.AttemptDirectory, "exit.json"), record);
        }
        catch (IOException)
        {
            // The attempt directory is gone; the result still stands.
        }
        Finish(handle, new AttemptResult(outcome, null, handle.StartedAt, now, message));
    }

    /// <summary>
    /// The attempt has ended: on a cluster with accounting it waits (still watched) for the poller's next sacct to
    /// give its usage; otherwise it completes now.
    /// </summary>
    private void Finish(SlurmAttemptHandle handle, AttemptResult result)
    {
        if (_config is { HasAccounting: true } && result.Usage is null && _active.ContainsKey(handle.ExecutorId))
        {
            handle.EndedSeenAt = _time.GetUtcNow();
            handle.Ended = result;
            return;
        }
        Complete(handle, result);
    }

    private void Complete(SlurmAttemptHandle handle, AttemptResult result)
    {
        _active.TryRemove(handle.ExecutorId, out _);
        LogEnded(_logger, handle.TaskName, handle.Attempt, handle.ExecutorId, result.Outcome.ToWord());
        handle.Complete(result);
    }

    private static bool SlurmOutputSaysMemoryLimit(SlurmAttemptHandle handle)
    {
        var path = Path.Join(handle.AttemptDirectory, JobScript.SlurmOutputFileName);
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Contains(JobScript.MemoryLimitMessage, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string BaseJobId(string jobId)
    {
        var cut = jobId.IndexOf('_', StringComparison.Ordinal);
        return cut < 0 ? jobId : jobId[..cut];
    }
}
