using Baton.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Reads a <c>slurm:</c> block (of a workflow file, a template, or the workspace settings): <c>partition</c> (one
/// name, or a list tried in order), <c>account</c>, <c>qos</c>, <c>constraint</c>, <c>gpus</c> and
/// <c>sbatch_args</c> (a list of extra <c>sbatch</c> options).
/// </summary>
public static class SlurmBlockReader
{
    public static readonly string[] Keys = ["partition", "account", "qos", "constraint", "gpus", "sbatch_args"];

    /// <summary>
    /// Reads a <c>slurm:</c> block of another file (the workspace settings), which may also hold
    /// <paramref name="extraKeys"/>: their values come back in <paramref name="extras"/> with where they stand.
    /// Throws <see cref="Errors.BatonInputException"/> naming the file, line and column.
    /// </summary>
    public static SlurmSettings Read(string displayPath, YamlNode node, IReadOnlyList<string> extraKeys,
        out IReadOnlyDictionary<string, (string Value, Errors.SourceLocation Location)> extras)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(extraKeys);
        var source = new YamlSource(displayPath);
        var fields = new YamlFields(source, source.Mapping(node, "slurm"), "slurm", [.. Keys, .. extraKeys]);
        var found = new Dictionary<string, (string, Errors.SourceLocation)>(StringComparer.Ordinal);
        foreach (var key in extraKeys)
        {
            if (fields[key] is { } value)
            {
                found[key] = (source.Text(value, key), source.At(value));
            }
        }
        extras = found;
        return Read(source, fields);
    }

    internal static SlurmSettings Read(YamlSource source, YamlNode node) =>
        Read(source, new YamlFields(source, source.Mapping(node, "slurm"), "slurm", Keys));

    private static SlurmSettings Read(YamlSource source, YamlFields fields)
    {
        return new SlurmSettings(
            fields["partition"] is { } partitions ? TextOrList(source, partitions, "partition") : null,
            fields["account"] is { } account ? source.Text(account, "account") : null,
            fields["qos"] is { } qos ? source.Text(qos, "qos") : null,
            fields["constraint"] is { } constraint ? source.Text(constraint, "constraint") : null,
            fields["gpus"] is { } gpus ? source.Integer(gpus, "gpus", minimum: 0) : 0,
            fields["sbatch_args"] is { } args
                ? source.Sequence(args, "sbatch_args", "[--exclusive, --nice=10]").Children.Select(a => source.Text(a, "an sbatch argument")).ToList()
                : null);
    }

    private static List<string> TextOrList(YamlSource source, YamlNode node, string what) =>
        node is YamlSequenceNode list
            ? list.Children.Select(n => source.Text(n, what)).ToList()
            : [source.Text(node, what)];
}
