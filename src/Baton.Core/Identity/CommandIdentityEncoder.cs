using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Baton.Core.Commands;

namespace Baton.Core.Identity;

/// <summary>
/// Computes <see cref="CommandTaskIdentity"/> digests for the tasks of one template. Everything in the canonical
/// text that depends only on the template (labels, the command, the sorted argument names, the op arguments) is
/// encoded to UTF-8 once; each task then writes its values and inputs between those pieces into one stack or
/// pooled buffer and hashes it in one call. The bytes are exactly <see cref="CommandTaskIdentity.CanonicalText"/>
/// in UTF-8, which is built from the same <see cref="CommandTaskIdentity.TemplatePart"/>. Immutable, so tasks
/// may be hashed in parallel.
/// </summary>
internal sealed class CommandIdentityEncoder
{
    /// <summary>Canonical texts up to this many bytes are built on the stack; larger ones in a pooled array.</summary>
    internal const int StackBytes = 1024;

    // int.MaxValue has 10 digits; byte counts and input counts are written in decimal.
    private const int MaxDigits = 10;

    private static ReadOnlySpan<byte> InputLabel => "input "u8;

    // _pieces[k] comes before the value of argument _slots[k]; the last piece follows the last value and ends
    // with "inputs ".
    private readonly byte[][] _pieces;
    private readonly string[] _slots;
    private readonly int _pieceBytes;

    public CommandIdentityEncoder(
        string template,
        CommandTemplate command,
        IReadOnlyList<string> nodeArgs,
        IReadOnlyList<string> taskArgs,
        IReadOnlyList<string> opArgs)
    {
        var pieces = new List<byte[]>();
        var slots = new List<string>();
        var text = new StringBuilder(256);
        // Each cut falls right after "value " (ASCII), so encoding the pieces one by one gives the same bytes as
        // encoding the whole text.
        CommandTaskIdentity.TemplatePart(text, template, command, nodeArgs, taskArgs, opArgs, (sb, name) =>
        {
            pieces.Add(Encoding.UTF8.GetBytes(sb.ToString()));
            slots.Add(name);
            sb.Clear();
        });
        text.Append(CommandTaskIdentity.InputsLabel);
        pieces.Add(Encoding.UTF8.GetBytes(text.ToString()));
        _pieces = [.. pieces];
        _slots = [.. slots];
        foreach (var piece in _pieces)
        {
            _pieceBytes += piece.Length;
        }
    }

    /// <summary>The identity of a task with these argument values and these inputs (in reference order).</summary>
    public TaskIdentity Compute(IReadOnlyDictionary<string, string> values, IReadOnlyList<TaskIdentity> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Compute(values, new ListInputs(inputs));
    }

    /// <summary>
    /// As <see cref="Compute(IReadOnlyDictionary{string, string}, IReadOnlyList{TaskIdentity})"/>, the inputs given
    /// as indices into <paramref name="identities"/>. <paramref name="sha256"/>, a SHA-256 hash that one thread
    /// reuses for many tasks, saves setting up a new one per task (a quarter of the cost of hashing a short text);
    /// it is left reset.
    /// </summary>
    public TaskIdentity Compute(IReadOnlyDictionary<string, string> values, int[] inputs, TaskIdentity[] identities, IncrementalHash sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        return Compute(values, new IndexedInputs(inputs, identities), sha256);
    }

    private TaskIdentity Compute<TInputs>(IReadOnlyDictionary<string, string> values, TInputs inputs, IncrementalHash? sha256 = null)
        where TInputs : struct, IInputs
    {
        ArgumentNullException.ThrowIfNull(values);
        // An upper bound: every value at its most UTF-8 bytes, every input a full digest.
        var size = _pieceBytes + MaxDigits + 1 + inputs.Count * (InputLabel.Length + TaskIdentity.HexLength + 1);
        foreach (var slot in _slots)
        {
            size = checked(size + MaxDigits + 2 + Encoding.UTF8.GetMaxByteCount(values[slot].Length));
        }
        byte[]? rented = null;
        var buffer = size <= StackBytes ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            var length = Write(buffer, values, inputs);
            Span<byte> digest = stackalloc byte[32];
            if (sha256 is null)
            {
                SHA256.HashData(buffer[..length], digest);
            }
            else
            {
                sha256.AppendData(buffer[..length]);
                sha256.GetHashAndReset(digest);
            }
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

    private int Write<TInputs>(Span<byte> buffer, IReadOnlyDictionary<string, string> values, TInputs inputs)
        where TInputs : struct, IInputs
    {
        var at = 0;
        for (var k = 0; k < _slots.Length; k++)
        {
            _pieces[k].CopyTo(buffer[at..]);
            at += _pieces[k].Length;
            // As CommandTaskIdentity.FieldValue: "<UTF-8 byte count>:<value>\n".
            var value = values[_slots[k]];
            at += WriteNumber(buffer[at..], Encoding.UTF8.GetByteCount(value));
            buffer[at++] = (byte)':';
            at += Encoding.UTF8.GetBytes(value, buffer[at..]);
            buffer[at++] = (byte)'\n';
        }
        var last = _pieces[^1];
        last.CopyTo(buffer[at..]);
        at += last.Length;
        at += WriteNumber(buffer[at..], inputs.Count);
        buffer[at++] = (byte)'\n';
        for (var i = 0; i < inputs.Count; i++)
        {
            InputLabel.CopyTo(buffer[at..]);
            at += InputLabel.Length;
            // Digests are ASCII hex; a default TaskIdentity has no text, as StringBuilder.Append(null) writes none.
            Ascii.FromUtf16(inputs.HexAt(i), buffer[at..], out var written);
            at += written;
            buffer[at++] = (byte)'\n';
        }
        return at;
    }

    private static int WriteNumber(Span<byte> into, int value)
    {
        value.TryFormat(into, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>A task's inputs, read without copying them into a list first.</summary>
    private interface IInputs
    {
        int Count { get; }
        string? HexAt(int i);
    }

    private readonly struct ListInputs(IReadOnlyList<TaskIdentity> inputs) : IInputs
    {
        public int Count => inputs.Count;
        public string? HexAt(int i) => inputs[i].Hex;
    }

    private readonly struct IndexedInputs(int[] inputs, TaskIdentity[] identities) : IInputs
    {
        public int Count => inputs.Length;
        public string? HexAt(int i) => identities[inputs[i]].Hex;
    }
}
