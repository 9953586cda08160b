using System.Buffers;
using System.Text.Unicode;
using Baton.Core.Errors;

namespace Baton.Core.Workflows;

/// <summary>
/// A workflow file's bytes as text. Strict UTF-8: an invalid byte is an error naming its offset (and line and
/// column), never silently replaced by U+FFFD, which would change a name or a value behind the user's back.
/// </summary>
internal static class WorkflowText
{
    public static string Decode(byte[] bytes, string displayPath)
    {
        ReadOnlySpan<byte> span = bytes;
        var start = span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        span = span[start..];
        var chars = new char[span.Length];
        var status = Utf8.ToUtf16(span, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var offset = start + read;
            var before = bytes.AsSpan(0, offset);
            var line = before.Count((byte)'\n') + 1;
            var column = offset - (before.LastIndexOf((byte)'\n') + 1) + 1;
            throw WorkflowErrors.At(new SourceLocation(displayPath, line, column),
                $"the file is not UTF-8 text: invalid byte 0x{bytes[offset]:X2} at byte offset {offset}");
        }
        return new string(chars, 0, written);
    }
}
