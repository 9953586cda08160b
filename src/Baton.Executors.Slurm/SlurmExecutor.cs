using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Executors.Local;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Executors.Slurm;

/// <summary>
/// Runs attempts as SLURM jobs (docs/slurm.md). Each attempt gets a batch script in its attempt directory, submitted
/// with <c>sbatch --parsable</c>; attempts started together with the same options go as one job array. One poller
/// per executor looks at all jobs once per <see cref="SlurmExecutorOptions.PollInterval"/>: first each attempt's
/// <c>exit.json</c> (the primary signal), then one <c>squeue</c> call for the jobs still without one. Jobs outlive
/// the orchestrator: disposing the executor stops watching them, it does not cancel them, and a later orchestrator
/// finds them again with <see cref="ReattachAsync"/>.
/// </summary>
public sealed partial class SlurmExecutor : IExecutor
{
    private readonly SlurmExecutorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SlurmCommands _commands;
    private readonly ProgramResolver _programs;
    private readonly ConcurrentDictionary<string, SlurmAttemptHandle> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cancels = new();
    private readonly SemaphoreSlim _submitGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _pollerLock = new();
    private readonly SubmissionThrottle _throttle;
    private Task? _poller;
    private ClusterConfig? _config;
    private PartitionLimits? _partitions;

    public SlurmExecutor(SlurmExecutorOptions? options = null, ILogger<SlurmExecutor>? logger = null, TimeProvider? time = null)
    {
        _options = options ?? new SlurmExecutorOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _commands = new SlurmCommands(_options.Commands);
        _programs = new ProgramResolver(_options.SearchPath ?? Environment.GetEnvironmentVariable("PATH"));
        _throttle = new SubmissionThrottle(_options.SubmissionsPerSecond, _time);
    }

    public string Name => "slurm";

    /// <summary>Jobs being watched now.</summary>
    public int ActiveJobs => _active.Count;

    public async ValueTask<IAttemptHandle> StartAsync(AttemptRequest request, CancellationToken cancellationToken)
    {
        var start = (await StartManyAsync([request], cancellationToken).ConfigureAwait(false))[0];
        if (start.Error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(start.Error);
        }
        return start.Handle!;
    }

    /// <summary>
    /// Submits the attempts: those that ask SLURM for exactly the same thing go as job arrays of at most
    /// <c>MaxArraySize</c> elements (one <c>sbatch</c> each), a group of one as a plain job.
    /// </summary>
    public async ValueTask<IReadOnlyList<AttemptStart>> StartManyAsync(IReadOnlyList<AttemptRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var starts = new AttemptStart[requests.Count];
        var groups = new Dictionary<string, List<(int Index, AttemptRequest Request)>>(StringComparer.Ordinal);
        var order = new List<string>();
        await _submitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < requests.Count; i++)
            {
                try
                {
                    var options = await PrepareAsync(requests[i], cancellationToken).ConfigureAwait(false);
                    var key = string.Join('\n', options);
                    if (!groups.TryGetValue(key, out var group))
                    {
                        groups.Add(key, group = []);
                        order.Add(key);
                    }
                    group.Add((i, requests[i]));
                }
                catch (Exception e) when (e is ExecutorStartException or IOException or UnauthorizedAccessException)
                {
                    LogStartFailed(_logger, requests[i].TaskName, requests[i].Attempt, e.Message);
                    starts[i] = new AttemptStart(null, e is ExecutorStartException ? e : new ExecutorStartException(e.Message, e));
                }
            }
            var maxArray = order.Any(k => groups[k].Count > 1) ? await MaxArraySizeAsync(cancellationToken).ConfigureAwait(false) : 1;
            foreach (var key in order)
            {
                var group = groups[key];
                for (var offset = 0; offset < group.Count; offset += maxArray)
                {
                    var chunk = group.GetRange(offset, Math.Min(maxArray, group.Count - offset));
                    await SubmitAsync(chunk, key.Split('\n'), starts, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _submitGate.Release();
        }
        EnsurePolling();
        return starts;
    }

    /// <summary>
    /// Finds an attempt an earlier orchestrator submitted, by its SLURM job id. Its <see cref="IAttemptHandle.Completion"/>
    /// ends at once when its exit.json is there, when the job ends if it still runs or waits, and <c>lost</c> when the
    /// job is gone from SLURM without a record.
    /// </summary>
    public ValueTask<IAttemptHandle> ReattachAsync(AttemptRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        cancellationToken.ThrowIfCancellationRequested();
        var handle = new SlurmAttemptHandle(this, attempt.ExecutorId, attempt.TaskName, attempt.Attempt, attempt.AttemptDirectory, attempt.StartedAt);
        if (TryCompleteFromRecord(handle))
        {
            return ValueTask.FromResult<IAttemptHandle>(handle);
        }
        if (attempt.ExecutorId.Length == 0 || !attempt.ExecutorId.All(c => char.IsAsciiDigit(c) || c == '_'))
        {
            // No job id was recorded (the orchestrator died before sbatch answered): there is no job to find.
            CompleteWithoutRecord(handle, AttemptOutcome.Lost, $"no SLURM job id was recorded for attempt {attempt.Attempt}", _time.GetUtcNow());
            return ValueTask.FromResult<IAttemptHandle>(handle);
        }
        _active[handle.ExecutorId] = handle;
        EnsurePolling();
        return ValueTask.FromResult<IAttemptHandle>(handle);
    }

    /// <summary>
    /// Asks SLURM to cancel the job: the poller sends every cancel asked for since its last round in one
    /// <c>scancel</c> (a run interrupted with thousands of jobs is one call, not thousands). The attempt stays in
    /// flight (Baton's <c>Killing</c>) until SLURM says the job has ended.
    /// </summary>
    internal ValueTask CancelAsync(SlurmAttemptHandle handle, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (handle.IsCompleted || handle.KillRequested)
        {
            return ValueTask.CompletedTask;
        }
        handle.KillRequested = true;
        LogCancelling(_logger, handle.TaskName, handle.Attempt, handle.ExecutorId);
        _cancels.Enqueue(handle.ExecutorId);
        EnsurePolling();
        return ValueTask.CompletedTask;
    }

    /// <summary>One scancel for every cancel asked for since the last call.</summary>
    private async Task SendCancelsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        while (_cancels.TryDequeue(out var id))
        {
            ids.Add(id);
        }
        if (ids.Count == 0)
        {
            return;
        }
        var result = await _commands.ScancelAsync(ids, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // Typically "already completing or completed": the poller sees how each job ended.
            LogCommandFailed(_logger, "scancel", result.FirstErrorLine());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task? poller;
        lock (_pollerLock)
        {
            poller = _poller;
        }
        if (poller is not null)
        {
            await poller.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        foreach (var handle in _active.Values.Where(h => h.Ended is not null))
        {
            // Ended, only waiting for accounting: it ends without usage figures.
            Complete(handle, handle.Ended!);
        }
        if (!_active.IsEmpty && _options.CancelJobsOnDispose)
        {
            var result = await _commands.ScancelAsync(_active.Keys, CancellationToken.None).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                LogCommandFailed(_logger, "scancel", result.FirstErrorLine());
            }
        }
        else if (!_active.IsEmpty)
        {
            LogLeftRunning(_logger, _active.Count);
        }
        _stopping.Dispose();
        _submitGate.Dispose();
    }

    /// <summary>Checks the request, resolves the program, writes the job script; returns the sbatch options.</summary>
    private async Task<List<string>> PrepareAsync(AttemptRequest request, CancellationToken cancellationToken)
    {
        if (request.Argv.Count == 0)
        {
            throw new ExecutorStartException("the command is empty");
        }
        if (!Directory.Exists(request.WorkingDirectory))
        {
            throw new ExecutorStartException($"task directory '{request.WorkingDirectory}' does not exist");
        }
        foreach (var arg in request.Argv)
        {
            if (arg.Contains('\0', StringComparison.Ordinal))
            {
                throw new ExecutorStartException("an argument contains a NUL character");
            }
        }
        if (AttemptVariables.Validate(request.Environment) is { } problem)
        {
            throw new ExecutorStartException(problem);
        }
        var program = _programs.Resolve(request.Argv[0], request.WorkingDirectory);
        try
        {
            Directory.CreateDirectory(request.AttemptDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExecutorStartException($"cannot create attempt directory '{request.AttemptDirectory}': {e.Message}", e);
        }
        var settings = _options.JobSettingsFor?.Invoke(request)?.Over(_options.Job) ?? _options.Job;
        var partition = await ChoosePartitionAsync(request.Resources, settings, cancellationToken).ConfigureAwait(false);
        var options = JobScript.ResourceOptions(request, settings, partition, _options.KillGracePeriod, _options.JobName);
        var script = JobScript.Render(request, program, options, _options.KillGracePeriod);
        await File.WriteAllTextAsync(Path.Join(request.AttemptDirectory, JobScript.FileName), script, cancellationToken).ConfigureAwait(false);
        return options;
    }

    private async Task<string?> ChoosePartitionAsync(ResourceRequest resources, SlurmSettings settings, CancellationToken cancellationToken)
    {
        var partitions = settings.PartitionList;
        if (partitions.Count <= 1)
        {
            return partitions.Count == 1 ? partitions[0] : null;
        }
        _partitions ??= await PartitionLimits.ReadAsync(_commands, cancellationToken).ConfigureAwait(false);
        foreach (var partition in partitions)
        {
            if (_partitions.Fits(partition, resources, _options.KillGracePeriod))
            {
                return partition;
            }
        }
        // None fits: the last one, and SLURM's refusal (if any) says why.
        return partitions[^1];
    }

    private async Task SubmitAsync(List<(int Index, AttemptRequest Request)> chunk, string[] options, AttemptStart[] starts, CancellationToken cancellationToken)
    {
        await _throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        var submittedAt = _time.GetUtcNow();
        CommandResult result;
        if (chunk.Count == 1)
        {
            result = await _commands.SbatchAsync(["--parsable", Path.Join(chunk[0].Request.AttemptDirectory, JobScript.FileName)], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var driver = WriteArrayScript(chunk.Select(c => c.Request).ToList(), options);
            result = await _commands.SbatchAsync(["--parsable", driver], cancellationToken).ConfigureAwait(false);
        }
        var jobId = result.Succeeded ? result.Stdout.Trim().Split(';', 2)[0] : "";
        if (jobId.Length == 0 || !jobId.All(char.IsAsciiDigit))
        {
            var message = "sbatch failed: " + result.FirstErrorLine();
            foreach (var (index, request) in chunk)
            {
                LogStartFailed(_logger, request.TaskName, request.Attempt, message);
                starts[index] = new AttemptStart(null, new ExecutorStartException(message));
            }
            return;
        }
        for (var k = 0; k < chunk.Count; k++)
        {
            var (index, request) = chunk[k];
            var id = chunk.Count == 1 ? jobId : jobId + "_" + k.ToString(CultureInfo.InvariantCulture);
            var handle = new SlurmAttemptHandle(this, id, request.TaskName, request.Attempt, request.AttemptDirectory, submittedAt);
            _active[id] = handle;
            starts[index] = new AttemptStart(handle, null);
        }
        LogSubmitted(_logger, jobId, chunk.Count);
    }

    /// <summary>
    /// The job array's script, in the first element's attempt directory (<c>array/array.sh</c>): element K runs
    /// attempt K's own job.sh. SLURM's output of element K goes to that attempt's slurm.out through the link
    /// <c>array/K</c> to its attempt directory (an <c>--output</c> pattern can only vary by <c>%a</c>).
    /// </summary>
    private static string WriteArrayScript(List<AttemptRequest> requests, string[] options)
    {
        var folder = Path.Join(requests[0].AttemptDirectory, "array");
        Directory.CreateDirectory(folder);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n# A job array of ").Append(requests.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" Baton attempts, generated by Baton's SLURM executor: element K runs the job.sh of the attempt directory array/K links to.\n");
        foreach (var option in options)
        {
            s.Append("#SBATCH ").Append(option).Append('\n');
        }
        s.Append("#SBATCH --array=0-").Append((requests.Count - 1).ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("#SBATCH --output=").Append(folder).Append("/%a/").Append(JobScript.SlurmOutputFileName).Append('\n');
        s.Append("#SBATCH --open-mode=append\n");
        s.Append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
        for (var k = 0; k < requests.Count; k++)
        {
            var key = k.ToString(CultureInfo.InvariantCulture);
            var link = Path.Join(folder, key);
            if (File.Exists(link) || Directory.Exists(link))
            {
                File.Delete(link);
            }
            File.CreateSymbolicLink(link, requests[k].AttemptDirectory);
            s.Append(key).Append(") exec /bin/bash ").Append(JobScript.Quote(Path.Join(requests[k].AttemptDirectory, JobScript.FileName))).Append(" ;;\n");
        }
        s.Append("esac\necho \"no attempt for array element $SLURM_ARRAY_TASK_ID\" >&2\nexit 1\n");
        var path = Path.Join(folder, "array.sh");
        File.WriteAllText(path, s.ToString());
        return path;
    }

    private async Task<int> MaxArraySizeAsync(CancellationToken cancellationToken)
    {
        if (_options.MaxArraySize is { } configured)
        {
            return Math.Max(1, configured);
        }
        return (await ClusterConfigAsync(cancellationToken).ConfigureAwait(false)).MaxArraySize;
    }

    /// <summary>What the executor needs of <c>scontrol show config</c>, read once.</summary>
    private async Task<ClusterConfig> ClusterConfigAsync(CancellationToken cancellationToken)
    {
        if (_config is { } known)
        {
            return known;
        }
        var result = await _commands.ScontrolAsync(["show", "config"], cancellationToken).ConfigureAwait(false);
        var config = ClusterConfig.Parse(result.Stdout);
        if (result.Succeeded)
        {
            _config = config;
        }
        return config;
    }

    [LoggerMessage(1, LogLevel.Debug, "Submitted SLURM job {JobId} ({Count} attempts)")]
    private static partial void LogSubmitted(ILogger logger, string jobId, int count);

    [LoggerMessage(2, LogLevel.Warning, "Could not submit attempt {Attempt} of {TaskName}: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string taskName, int attempt, string reason);

    [LoggerMessage(3, LogLevel.Information, "Cancelling attempt {Attempt} of {TaskName} (SLURM job {JobId})")]
    private static partial void LogCancelling(ILogger logger, string taskName, int attempt, string jobId);

    [LoggerMessage(4, LogLevel.Warning, "{Command} failed: {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string command, string reason);

    [LoggerMessage(5, LogLevel.Information, "Stopped watching {Count} SLURM jobs that still run; a later run re-attaches to them by job id")]
    private static partial void LogLeftRunning(ILogger logger, int count);

    [LoggerMessage(6, LogLevel.Debug, "Attempt {Attempt} of {TaskName} (SLURM job {JobId}) ended {Outcome}")]
    private static partial void LogEnded(ILogger logger, string taskName, int attempt, string jobId, string outcome);

    [LoggerMessage(7, LogLevel.Warning, "Poller of the SLURM executor failed; it goes on")]
    private static partial void LogPollerFailed(ILogger logger, Exception exception);
}
