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
        Hash(CanonicalText(template, command, nodeArgs, taskArgs, opArgs, values, inputs));

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
        var sb = new StringBuilder(256);
        sb.Append(Encoding).Append('\n');
        Field(sb, "template", template);
        Field(sb, "command", command.Canonical);
        ArgumentValues(sb, "node_args", nodeArgs, values);
        ArgumentValues(sb, "task_args", taskArgs, values);
        sb.Append("op_args ").Append(opArgs.Count).Append('\n');
        foreach (var name in opArgs.Order(StringComparer.Ordinal))
        {
            Field(sb, "name", name);
        }
        sb.Append("inputs ").Append(inputs.Count).Append('\n');
        foreach (var input in inputs)
        {
            sb.Append("input ").Append(input.Hex).Append('\n');
        }
        return sb.ToString();
    }

    private static void ArgumentValues(StringBuilder sb, string label, IReadOnlyList<string> names, IReadOnlyDictionary<string, string> values)
    {
        sb.Append(label).Append(' ').Append(names.Count).Append('\n');
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            Field(sb, "name", name);
            Field(sb, "value", values[name]);
        }
    }

    // Length-prefixed (in UTF-8 bytes) so that values holding newlines or separators cannot collide.
    private static void Field(StringBuilder sb, string label, string value) =>
        sb.Append(label).Append(' ').Append(System.Text.Encoding.UTF8.GetByteCount(value)).Append(':').Append(value).Append('\n');

    public static TaskIdentity Hash(string canonical)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical), digest);
        return new TaskIdentity(Convert.ToHexStringLower(digest));
    }
}
