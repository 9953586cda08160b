using Baton.Core.Gpus;
using Baton.Core.Stores;
using Baton.Core.Resources;
using Baton.Engine.Events;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Runs;

/// <summary>How a run places work: what the machine offers Baton.</summary>
public sealed record RunOptions(ResourceCapacity Capacity)
{
    /// <summary>What happens to attempts an earlier orchestrator left running (see docs/crash-safety.md).</summary>
    public ResumeMode Resume { get; init; } = ResumeMode.Hot;

    /// <summary>The GPUs Baton may hand out; none by default.</summary>
    public GpuInventory Gpus { get; init; } = GpuInventory.Empty;

    /// <summary>
    /// The node's resource pool, shared by every run of the node so that together they never use more than the
    /// machine offers; when null the run has a pool of its own, of <see cref="Capacity"/> and <see cref="Gpus"/>.
    /// </summary>
    public ResourcePool? SharedPool { get; init; }

    /// <summary>
    /// The executor places GPUs itself (SLURM): tasks' GPU requests go to it as they are, and neither
    /// <see cref="Gpus"/> nor this machine's devices hold them back.
    /// </summary>
    public bool GpusPlacedByExecutor { get; init; }

    /// <summary>Memory used on the GPUs by processes Baton does not own; none when null.</summary>
    public IGpuMemoryProbe? GpuProbe { get; init; }

    /// <summary>How the ready queue picks the next task (backfill with a reservation after a bounded wait).</summary>
    public SchedulingPolicy Scheduling { get; init; } = SchedulingPolicy.Default;

    /// <summary>Named counting resources the workspace declares (<c>license: 2</c>), honoured by the scheduler.</summary>
    public IReadOnlyDictionary<string, int> Tokens { get; init; } = new Dictionary<string, int>();

    /// <summary>Stop starting new tasks after the first failure, whatever the workflow says.</summary>
    public bool FailFast { get; init; }

    /// <summary>
    /// Refuse a file whose tasks or dependencies differ from every version recorded under its name and workflow
    /// args (jobmon's "workflow already exists"); by default such a file is recorded as the workflow's next version.
    /// </summary>
    public bool RefuseNewVersion { get; init; }

    /// <summary>Tasks (names or identity prefixes) that run again in this run even though they are Done.</summary>
    public IReadOnlyList<string> Force { get; init; } = [];

    /// <summary>
    /// Tells live claim owners from dead ones. When set, the run claims its tasks in the store so that several
    /// orchestrators can share a workspace (each task runs in one of them; the others follow its outcome); when
    /// null, the run assumes it is the only one.
    /// </summary>
    public IClaimOwnerProbe? Owners { get; init; }

    /// <summary>What interrupting the run (Ctrl+C) does to its running attempts.</summary>
    public InterruptMode Interrupt { get; init; } = InterruptMode.Kill;

    /// <summary>Where the run publishes its committed events (one hub may serve every run of a process); none when null.</summary>
    public EventHub? Events { get; init; }

    /// <summary>Who asked for the run (a token's name, the workspace owner's user name), recorded with it; null when unknown.</summary>
    public string? SubmittedBy { get; init; }
}

/// <summary>What interrupting a run does to the attempts it runs.</summary>
public enum InterruptMode
{
    /// <summary>Kill them (Killing, then Killed once their process trees are gone); the next run starts them again.</summary>
    Kill,
    /// <summary>Leave them running and stop following them: they stay Running in the store and the next run re-attaches.</summary>
    Detach,
}

/// <summary>What a run does with attempts that an earlier orchestrator started and that still run.</summary>
public enum ResumeMode
{
    /// <summary>Re-attach and leave them running: their outcome is the task's, nothing runs twice.</summary>
    Hot,
    /// <summary>Kill them first, then run their tasks afresh.</summary>
    Cold,
}

/// <summary>How a run ended.</summary>
public sealed record RunSummary(
    long RunId,
    long WorkflowId,
    int Total,
    int AlreadyDone,
    int Done,
    int Failed,
    int Killed,
    int NotRun,
    int AttemptsStarted,
    bool Interrupted,
    TimeSpan Elapsed)
{
    /// <summary>True when every task of the workflow is Done.</summary>
    public bool Succeeded => !Interrupted && Done + AlreadyDone == Total;

    /// <summary>Attempts left running when the run was interrupted with <see cref="InterruptMode.Detach"/>.</summary>
    public int LeftRunning { get; init; }
}

/// <summary>What a run of a workflow would do, without running it.</summary>
public sealed record RunPlan(long WorkflowId, int Total, int AlreadyDone, int ToRun, int Edges)
{
    /// <summary>The new version the file recorded and how it differs; null when the current version did not change.</summary>
    public WorkflowVersionChange? Change { get; init; }
}

/// <summary>What a kill request did to each task it named.</summary>
public sealed record KillReport(IReadOnlyList<(string Task, string Outcome)> Tasks);
