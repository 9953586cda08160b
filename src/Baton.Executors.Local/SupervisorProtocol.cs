using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;

namespace Baton.Executors.Local;

/// <summary>
/// The line protocol between the executor and its supervisor process (docs/executors.md, "The supervisor").
/// One message per line: tab-separated fields, UTF-8, where a field's backslash, tab and newline are written
/// <c>\\</c>, <c>\t</c>, <c>\n</c>, so any argv value (which cannot hold NUL) survives byte for byte.
/// Linked into both assemblies: this file is the protocol's one definition.
/// </summary>
internal static class SupervisorProtocol
{
    // executor → supervisor
    /// <summary>
    /// <c>spawn ID CWD STDOUT STDERR EXITFILE N VAR1...VARN ARGV0 ARGV1...</c>: N variables <c>NAME=VALUE</c> that
    /// the program gets on top of the supervisor's environment (replacing one of the same name); ARGV0 is the
    /// program's absolute path.
    /// </summary>
    public static ReadOnlySpan<byte> Spawn => "spawn"u8;

    /// <summary><c>kill ID REASON DETAIL</c>: REASON is <c>killed</c> or <c>timed_out</c>; DETAIL (the runtime limit) goes into the record's message.</summary>
    public static ReadOnlySpan<byte> Kill => "kill"u8;

    // supervisor → executor
    /// <summary><c>started ID PID STARTTIME</c>: STARTTIME is field 22 of /proc/PID/stat.</summary>
    public static ReadOnlySpan<byte> Started => "started"u8;

    /// <summary><c>failed ID MESSAGE</c>: nothing was started.</summary>
    public static ReadOnlySpan<byte> Failed => "failed"u8;

    /// <summary><c>exited ID RECORD</c>: RECORD is the exit.json written (or, if writing failed, meant to be written), as one line of JSON.</summary>
    public static ReadOnlySpan<byte> Exited => "exited"u8;

    /// <summary><c>note ID EVENT DETAIL</c>: something about one attempt worth a log line (see <see cref="NoteEvents"/>).</summary>
    public static ReadOnlySpan<byte> Note => "note"u8;

    /// <summary><c>error MESSAGE</c>: a problem of the supervisor itself (a malformed command, its reaper failing).</summary>
    public static ReadOnlySpan<byte> Error => "error"u8;

    /// <summary>Events of <see cref="Note"/>.</summary>
    internal static class NoteEvents
    {
        public const string Stragglers = "stragglers";
        public const string Escalating = "escalating";
        public const string Unkillable = "unkillable";
        public const string RecordFailed = "record_failed";
    }

    public static bool TryParseInt64(ReadOnlySpan<byte> field, out long value) =>
        Utf8Parser.TryParse(field, out value, out var consumed) && consumed == field.Length;

    /// <summary>The field's bytes with escapes undone; <paramref name="destination"/> needs at most field.Length bytes.</summary>
    /// <exception cref="FormatException">A backslash is not followed by one of <c>\ t n</c>.</exception>
    public static int Unescape(ReadOnlySpan<byte> field, Span<byte> destination)
    {
        var n = 0;
        for (var i = 0; i < field.Length; i++)
        {
            var b = field[i];
            if (b == (byte)'\\')
            {
                if (++i == field.Length)
                {
                    throw new FormatException("a field ends in a lone backslash");
                }
                b = field[i] switch
                {
                    (byte)'\\' => (byte)'\\',
                    (byte)'t' => (byte)'\t',
                    (byte)'n' => (byte)'\n',
                    _ => throw new FormatException($"unknown escape \\{(char)field[i]}"),
                };
            }
            destination[n++] = b;
        }
        return n;
    }

    public static string DecodeString(ReadOnlySpan<byte> field)
    {
        if (field.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(field);
        }
        var buffer = field.Length <= 512 ? stackalloc byte[field.Length] : new byte[field.Length];
        return Encoding.UTF8.GetString(buffer[..Unescape(field, buffer)]);
    }

    /// <summary>Splits a line into fields; raw tabs only ever separate fields.</summary>
    public ref struct Fields(ReadOnlySpan<byte> line)
    {
        private ReadOnlySpan<byte> _rest = line;
        private bool _done;

        public bool TryNext(out ReadOnlySpan<byte> field)
        {
            if (_done)
            {
                field = default;
                return false;
            }
            var tab = _rest.IndexOf((byte)'\t');
            if (tab < 0)
            {
                field = _rest;
                _done = true;
            }
            else
            {
                field = _rest[..tab];
                _rest = _rest[(tab + 1)..];
            }
            return true;
        }

        /// <summary>The next field, or a <see cref="FormatException"/> naming what was expected.</summary>
        public ReadOnlySpan<byte> Next(string what) =>
            TryNext(out var field) ? field : throw new FormatException($"the message ends before its {what}");
    }
}

/// <summary>Builds one protocol line: a message word, escaped fields, a newline. Reused; not thread-safe.</summary>
internal sealed class ProtocolLine
{
    private byte[] _buffer = new byte[512];
    private int _length;

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    public ProtocolLine Begin(ReadOnlySpan<byte> word)
    {
        _length = 0;
        Append(word);
        return this;
    }

    public ProtocolLine Add(long value)
    {
        Reserve(21);
        _buffer[_length++] = (byte)'\t';
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        _length += written;
        return this;
    }

    public ProtocolLine Add(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 1024)
        {
            Span<byte> utf8 = stackalloc byte[max];
            return Add(utf8[..Encoding.UTF8.GetBytes(value, utf8)]);
        }
        return Add(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Adds a field given as raw UTF-8 (escaped here).</summary>
    public ProtocolLine Add(ReadOnlySpan<byte> utf8)
    {
        // UTF-8 multi-byte sequences hold no byte below 0x80, so escaping bytes is escaping characters.
        Reserve(1 + (2 * utf8.Length));
        _buffer[_length++] = (byte)'\t';
        foreach (var b in utf8)
        {
            switch (b)
            {
                case (byte)'\\':
                    _buffer[_length++] = (byte)'\\';
                    _buffer[_length++] = (byte)'\\';
                    break;
                case (byte)'\t':
                    _buffer[_length++] = (byte)'\\';
                    _buffer[_length++] = (byte)'t';
                    break;
                case (byte)'\n':
                    _buffer[_length++] = (byte)'\\';
                    _buffer[_length++] = (byte)'n';
                    break;
                default:
                    _buffer[_length++] = b;
                    break;
            }
        }
        return this;
    }

    public ReadOnlySpan<byte> End()
    {
        Reserve(1);
        _buffer[_length++] = (byte)'\n';
        return Bytes;
    }

    private void Append(ReadOnlySpan<byte> raw)
    {
        Reserve(raw.Length);
        raw.CopyTo(_buffer.AsSpan(_length));
        _length += raw.Length;
    }

    private void Reserve(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}

/// <summary>Reads newline-terminated lines from a descriptor with blocking reads. Not thread-safe.</summary>
internal sealed unsafe class LineReader(int fd)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Set once the other end has closed (read returned 0) or the read failed.</summary>
    public bool AtEnd { get; private set; }

    /// <summary>The errno of a failed read, or 0.</summary>
    public int Error { get; private set; }

    /// <summary>One read(2): blocks until data, end of file or an error; returns false at the end.</summary>
    public bool Fill()
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                // A line longer than the buffer (a long argv): grow.
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
        nint n;
        fixed (byte* b = _buffer)
        {
            do
            {
                n = Native.Read(fd, b + _end, _buffer.Length - _end);
            }
            while (n < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
        }
        if (n <= 0)
        {
            Error = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            AtEnd = true;
            return false;
        }
        _end += (int)n;
        return true;
    }

    /// <summary>The next complete line (without its newline), valid until the next call.</summary>
    public bool TryTakeLine(out ReadOnlySpan<byte> line)
    {
        var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = default;
            return false;
        }
        line = _buffer.AsSpan(_start, newline);
        _start += newline + 1;
        return true;
    }
}
