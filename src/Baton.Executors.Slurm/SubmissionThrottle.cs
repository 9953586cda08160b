namespace Baton.Executors.Slurm;

/// <summary>At most N submissions per second: each waits until 1/N s after the one before.</summary>
internal sealed class SubmissionThrottle(double perSecond, TimeProvider time)
{
    private readonly TimeSpan _spacing = perSecond > 0 ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.Zero;
    private long? _last;

    /// <summary>Callers are serialised by the executor's submit gate.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_last is { } last)
        {
            var wait = _spacing - time.GetElapsedTime(last);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
        _last = time.GetTimestamp();
    }
}
