using System.Globalization;
using System.Text;
using Baton.Core.Errors;

namespace Baton.Core.Workflows;

/// <summary>
/// Builds the compiler's errors. Messages quote names and values from the file, which may hold newlines or other
/// control characters (<c>"a\nb"</c> in YAML); those are escaped so that every error stays one line.
/// </summary>
internal static class WorkflowErrors
{
    public static BatonInputException At(SourceLocation location, string message) => new(location, OneLine(message));

    public static BatonInputException Without(string message, Exception inner) => new(OneLine(message), inner);

    public static string OneLine(string message)
    {
        if (!message.Any(NeedsEscape))
        {
            return message;
        }
        var sb = new StringBuilder(message.Length + 8);
        foreach (var c in message)
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    // Control characters, and the Unicode line and paragraph separators that some terminals also break lines on.
    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085';
}
