using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Baton.Core.Commands;

namespace Baton.Core.Identity;

/// <summary>
/// The identity of a command task. The digest covers, in this canonical order:
/// the template name, the command in canonical form (quoting and spacing do not count), the names of the
/// node, task and op arguments, the values of node and task arguments (sorted by name), and the identities of the
/// upstream tasks whose directories the command reads through <c>{dir:...}</c>.
/// Not covered: task names, tags, attributes, resources, max attempts, priority, op argument values.
/// docs/identity.md explains each rule; golden tests pin the digests.
/// </summary>
public static class CommandTaskIdentity
{
    /// <summary>Version of the encoding; bumping it changes every identity, so it never changes silently.</summary>
    public const string Encoding = "baton.command-task/1";

    public static TaskIdentity Compute(
        string template,
        CommandTemplate command,
        IReadOnlyList<string> nodeArgs,
        IReadOnlyList<string> taskArgs,
        IReadOnlyList<string> opArgs,
        IReadOnlyDictionary<string, string> values,
        IReadOnlyList<TaskIdentity> inputs) =>
        new CommandIdentityEncoder(template, command, nodeArgs, taskArgs, opArgs).Compute(values, inputs);

    /// <summary>The exact text that is hashed; shown by docs and tests so that the rules can be read.</summary>
    public static string CanonicalText(
        string template,
        CommandTemplate command,
        IReadOnlyList<string> nodeArgs,
        IReadOnlyList<string> taskArgs,
        IReadOnlyList<string> opArgs,
        IReadOnlyDictionary<string, string> values,
        IReadOnlyList<TaskIdentity> inputs)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(inputs);
        var sb = new StringBuilder(256);
        TemplatePart(sb, template, command, nodeArgs, taskArgs, opArgs, (text, name) => FieldValue(text, values[name]));
        sb.Append(InputsLabel).Append(inputs.Count).Append('\n');
        foreach (var input in inputs)
        {
            sb.Append(InputLabel).Append(input.Hex).Append('\n');
        }
        return sb.ToString();
    }

    public static TaskIdentity Hash(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var size = System.Text.Encoding.UTF8.GetMaxByteCount(canonical.Length);
        byte[]? rented = null;
        var buffer = size <= CommandIdentityEncoder.StackBytes ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(canonical, buffer);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer[..length], digest);
            return TaskIdentity.FromDigest(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal const string InputsLabel = "inputs ";
    internal const string InputLabel = "input ";

    /// <summary>
    /// Everything before the inputs: the part that depends only on the template, except that at each node or task
    /// argument, after <c>value </c>, <paramref name="value"/> appends that argument's value (see
    /// <see cref="FieldValue"/>). <see cref="CommandIdentityEncoder"/> cuts its constant pieces at those points,
    /// so the text and the encoder cannot drift apart.
    /// </summary>
    internal static void TemplatePart(
        StringBuilder sb,
        string template,
        CommandTemplate command,
        IReadOnlyList<string> nodeArgs,
        IReadOnlyList<string> taskArgs,
        IReadOnlyList<string> opArgs,
        Action<StringBuilder, string> value)
    {
        ArgumentNullException.ThrowIfNull(command);
        sb.Append(Encoding).Append('\n');
        Field(sb, "template", template);
        Field(sb, "command", command.Canonical);
        ArgumentValues(sb, "node_args", nodeArgs, value);
        ArgumentValues(sb, "task_args", taskArgs, value);
        sb.Append("op_args ").Append(opArgs.Count).Append('\n');
        foreach (var name in SortedOrdinal(opArgs))
        {
            Field(sb, "name", name);
        }
    }

    private static void ArgumentValues(StringBuilder sb, string label, IReadOnlyList<string> names, Action<StringBuilder, string> value)
    {
        sb.Append(label).Append(' ').Append(names.Count).Append('\n');
        foreach (var name in SortedOrdinal(names))
        {
            Field(sb, "name", name);
            sb.Append("value ");
            value(sb, name);
        }
    }

    private static string[] SortedOrdinal(IReadOnlyList<string> names)
    {
        var sorted = names.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    // Length-prefixed (in UTF-8 bytes) so that values holding newlines or separators cannot collide.
    private static void Field(StringBuilder sb, string label, string value) =>
        FieldValue(sb.Append(label).Append(' '), value);

    /// <summary>A field's <c>&lt;n&gt;:&lt;value&gt;\n</c>; the encoder writes the same bytes directly.</summary>
    internal static void FieldValue(StringBuilder sb, string value) =>
        sb.Append(System.Text.Encoding.UTF8.GetByteCount(value)).Append(':').Append(value).Append('\n');
}
