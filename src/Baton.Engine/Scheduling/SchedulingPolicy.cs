namespace Baton.Engine.Scheduling;

/// <summary>
/// How the ready queue picks the next task.
/// <para><see cref="Backfill"/> (the default): the highest-priority ready task starts first; when it does not fit,
/// smaller tasks behind it use the idle resources. To keep a stream of small tasks from starving a large one, the
/// highest-priority task that has been ready for <see cref="ReservationAfter"/> without fitting gets a reservation:
/// from then on other tasks may only use resources beyond what it needs, so it starts as soon as enough running
/// attempts end; a task whose runtime limit ends before the holder will fit at the latest may still use them.</para>
/// <para>Without backfill (strict priority order, as cattino does it), nothing starts while the first task in
/// priority order does not fit. Kept for comparison (docs/gpus.md).</para>
/// </summary>
public sealed record SchedulingPolicy(bool Backfill, TimeSpan ReservationAfter)
{
    public static SchedulingPolicy Default { get; } = new(true, TimeSpan.FromMinutes(1));

    /// <summary>Strict priority order: a task that does not fit blocks every task behind it.</summary>
    public static SchedulingPolicy Strict { get; } = new(false, TimeSpan.Zero);
}
