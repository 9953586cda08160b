namespace Baton.Core.Resources;

/// <summary>
/// What a SLURM job asks for beyond cores, memory and time (docs/slurm.md): from the workspace settings, a workflow
/// file's <c>slurm:</c> block and a template's. Only the SLURM executor uses them; other executors ignore them.
/// </summary>
/// <param name="Partitions">Partitions in order of preference: the first whose limits fit the request is used (jobmon's fallback queues); empty: SLURM's default.</param>
/// <param name="ExtraArguments">More <c>sbatch</c> options, each one argument, e.g. <c>--exclusive</c>.</param>
public sealed record SlurmSettings(
    IReadOnlyList<string>? Partitions = null,
    string? Account = null,
    string? Qos = null,
    string? Constraint = null,
    int Gpus = 0,
    IReadOnlyList<string>? ExtraArguments = null)
{
    public IReadOnlyList<string> PartitionList => Partitions ?? [];

    public IReadOnlyList<string> ExtraArgumentList => ExtraArguments ?? [];

    /// <summary>Settings of a narrower scope (a template over a workflow over the workspace): what it sets wins.</summary>
    public SlurmSettings Over(SlurmSettings wider)
    {
        ArgumentNullException.ThrowIfNull(wider);
        return new SlurmSettings(
            PartitionList.Count > 0 ? Partitions : wider.Partitions,
            Account ?? wider.Account,
            Qos ?? wider.Qos,
            Constraint ?? wider.Constraint,
            Gpus > 0 ? Gpus : wider.Gpus,
            [.. wider.ExtraArgumentList, .. ExtraArgumentList]);
    }

    public bool Equals(SlurmSettings? other) =>
        other is not null
        && PartitionList.SequenceEqual(other.PartitionList, StringComparer.Ordinal)
        && Account == other.Account && Qos == other.Qos && Constraint == other.Constraint && Gpus == other.Gpus
        && ExtraArgumentList.SequenceEqual(other.ExtraArgumentList, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(string.Join('\0', PartitionList), Account, Qos, Constraint, Gpus, string.Join('\0', ExtraArgumentList));
}
