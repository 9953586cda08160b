using System.Globalization;
using Baton.Experiments.Configs;
using Baton.Experiments.Execution;

namespace Baton.Experiments.TestTasks;

/// <summary>Writes X² to its result file.</summary>
public sealed class Square : TaskConfig
{
    [Param] public int X { get; set; }

    [Generated("result.txt")] public FileInfo? Result { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(Result!.FullName, (X * X).ToString(CultureInfo.InvariantCulture), cancellationToken);
}

/// <summary>Adds the results of the squares: runs after all of them.</summary>
public sealed class Sum : TaskConfig
{
    [Param] public List<Square> Inputs { get; set; } = [];

    [Generated("sum.txt")] public FileInfo? Result { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var sum = 0;
        foreach (var input in Inputs)
        {
            sum += int.Parse(await File.ReadAllTextAsync(input.Result!.FullName, cancellationToken), CultureInfo.InvariantCulture);
        }
        await File.WriteAllTextAsync(Result!.FullName, sum.ToString(CultureInfo.InvariantCulture), cancellationToken);
    }
}

/// <summary>
/// Counts to <see cref="Steps"/>, at most <see cref="StepsPerAttempt"/> per attempt, keeping its count in a
/// checkpoint; an attempt that cannot finish ends with a graceful timeout and the next resumes from the checkpoint.
/// </summary>
public sealed class Countdown : ResumableTaskConfig
{
    [Param] public int Steps { get; set; }

    [Meta] public int StepsPerAttempt { get; set; } = 1;

    /// <summary>A task to run after; ignored when unset, so that it changes no identity.</summary>
    [Param(IgnoreDefault = true)] public Gate? After { get; set; }

    [Generated("checkpoint.txt")] public FileInfo? Checkpoint { get; set; }

    [Generated("log.txt")] public FileInfo? Log { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var step = Checkpoint!.Exists ? int.Parse(await File.ReadAllTextAsync(Checkpoint.FullName, cancellationToken), CultureInfo.InvariantCulture) : 0;
        await File.AppendAllTextAsync(Log!.FullName, $"attempt {context.Attempt} resumed at {step}\n", cancellationToken);
        for (var done = 0; step < Steps; done++)
        {
            if (done == StepsPerAttempt)
            {
                throw new GracefulTimeoutException($"stopped at step {step}");
            }
            step++;
            await File.WriteAllTextAsync(Checkpoint.FullName, step.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }
    }
}

/// <summary>A task that is not resumable and still ends in a graceful timeout: it is not retried.</summary>
public sealed class Impatient : TaskConfig
{
    [Param] public string Label { get; set; } = "";

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) =>
        throw new GracefulTimeoutException("out of time");
}

/// <summary>Fails.</summary>
public sealed class Broken : TaskConfig
{
    [Param] public int Seed { get; set; }

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("broken on purpose");
}

/// <summary>Sets <c>TOOL_HOME</c> for the tasks that use a class it decorates.</summary>
public sealed class NeedsToolAttribute(string version) : SubmitHookAttribute
{
    public override string Spec => version;

    public override void Apply(IDictionary<string, string> environment) => environment["TOOL_HOME"] = $"/opt/tool-{version}";
}

/// <summary>An init task: leaves a marker in the working directory (the task directory) before the task runs.</summary>
public sealed class Prepare : InitTask
{
    [Param] public string Marker { get; set; } = "prepared";

    public override Task ExecuteAsync(CancellationToken cancellationToken) =>
        File.WriteAllTextAsync("init-marker.txt", Marker, cancellationToken);
}

/// <summary>Records what it sees: the submit hook's environment (through a child process) and the init task's marker.</summary>
[NeedsTool("11")]
public sealed class Probe : TaskConfig
{
    [Param] public int Seed { get; set; }

    [Generated("seen.txt")] public FileInfo? Seen { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "printf %s \"$TOOL_HOME\""]) { RedirectStandardOutput = true })!;
        var fromChild = await child.StandardOutput.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        var marker = File.Exists("init-marker.txt") ? await File.ReadAllTextAsync("init-marker.txt", cancellationToken) : "none";
        await File.WriteAllTextAsync(Seen!.FullName, $"{fromChild}|{marker}|{string.Join(",", context.Tags.Select(t => $"{t.Key}={t.Value}"))}", cancellationToken);
    }
}

/// <summary>
/// Registers <see cref="Checkpoints"/> checkpoints as dynamic outputs; after each one it waits until an evaluation of
/// it has started (it leaves a file in <see cref="Rendezvous"/>), so that it ends only if evaluations start while it runs.
/// </summary>
public sealed class Trainer : ResumableTaskConfig
{
    [Param] public int Checkpoints { get; set; }

    [Meta] public string Rendezvous { get; set; } = "";

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        for (var step = 1; step <= Checkpoints; step++)
        {
            context.RegisterOutput("checkpoint", step);
            var marker = Path.Combine(Rendezvous, $"evaluating-{step}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            while (!File.Exists(marker))
            {
                await Task.Delay(20, timeout.Token);
            }
        }
    }
}

/// <summary>A checkpoint of a <see cref="Trainer"/>: its identity includes the trainer's.</summary>
public sealed class TrainerCheckpoint : Config
{
    [Param] public int Step { get; set; }
}

/// <summary>Evaluates a checkpoint: announces that it started, in the trainer's rendezvous directory.</summary>
public sealed class Evaluation : TaskConfig
{
    [Param] public required TrainerCheckpoint Checkpoint { get; init; }

    [Meta] public string Rendezvous { get; set; } = "";

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(Path.Combine(Rendezvous, $"evaluating-{Checkpoint.Step}"), "", cancellationToken);
}

/// <summary>
/// Works in steps of <see cref="StepMs"/> under a runtime limit: before each step it asks for the time left and,
/// when it is short, saves and stops with a graceful timeout; the next attempt resumes from the checkpoint.
/// </summary>
public sealed class Patient : ResumableTaskConfig
{
    [Param] public int Steps { get; set; }

    [Meta] public int StepMs { get; set; } = 200;

    [Generated("checkpoint.txt")] public FileInfo? Checkpoint { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var step = Checkpoint!.Exists ? int.Parse(await File.ReadAllTextAsync(Checkpoint.FullName, cancellationToken), CultureInfo.InvariantCulture) : 0;
        while (step < Steps)
        {
            if (context.RemainingTime() is not { } left)
            {
                throw new InvalidOperationException("no runtime limit reached the task");
            }
            if (left < TimeSpan.FromSeconds(2))
            {
                throw new GracefulTimeoutException($"{left.TotalSeconds:F1}s left at step {step}");
            }
            await Task.Delay(StepMs, cancellationToken);
            step++;
            await File.WriteAllTextAsync(Checkpoint.FullName, step.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }
    }
}

/// <summary>Ends once <see cref="File"/> exists: holds back what runs after it until a test says so.</summary>
public sealed class Gate : TaskConfig
{
    [Param] public int Id { get; set; }

    [Meta] public string File { get; set; } = "";

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        while (!System.IO.File.Exists(File))
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}

/// <summary>Writes its process id to <see cref="Started"/>, then runs until <see cref="Release"/> exists (until it is killed when empty).</summary>
public sealed class Hang : TaskConfig
{
    [Param] public int Id { get; set; }

    [Meta] public string Started { get; set; } = "";

    [Meta] public string Release { get; set; } = "";

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        await System.IO.File.WriteAllTextAsync(Started + ".tmp", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        System.IO.File.Move(Started + ".tmp", Started);
        while (Release.Length == 0 || !System.IO.File.Exists(Release))
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
