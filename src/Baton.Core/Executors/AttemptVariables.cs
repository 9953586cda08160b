namespace Baton.Core.Executors;

/// <summary>Environment variables every executor sets for the programs of its attempts.</summary>
public static class AttemptVariables
{
    /// <summary>
    /// When the attempt's runtime limit ends, in whole seconds since the Unix epoch (UTC); absent when the attempt
    /// has no limit. Set when the attempt starts running (for SLURM: when the job starts, not when it is queued),
    /// so a task can stop cleanly before it is killed.
    /// </summary>
    public const string Deadline = "BATON_DEADLINE";

    /// <summary>Checks a request's extra variables; returns why one is unusable, or null when all are fine.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (name, value) in environment)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                return $"environment variable name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' is empty or holds '=' or NUL";
            }
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                return $"environment variable {name} holds a NUL character";
            }
        }
        return null;
    }
}
