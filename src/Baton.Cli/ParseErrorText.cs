using System.Text.RegularExpressions;
using Baton.Core.Errors;

namespace Baton.Cli;

/// <summary>
/// What the user sees for a command line System.CommandLine cannot parse: its message, with a .NET type name
/// ("as expected type 'System.Int32'") replaced by the kind of value wanted, and the quoted value escaped and
/// shortened (<see cref="QuotedText"/>).
/// </summary>
internal static partial class ParseErrorText
{
    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<what>option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    public static string Describe(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return QuotedText.OneLine(message);
        }
        var wanted = match.Groups["type"].Value switch
        {
            var t when t.StartsWith("System.Int32", StringComparison.Ordinal) || t.Contains("[System.Int32", StringComparison.Ordinal) =>
                "a whole number up to 2147483647",
            var t when t.StartsWith("System.Int64", StringComparison.Ordinal) || t.Contains("[System.Int64", StringComparison.Ordinal) =>
                "a whole number",
            var t when t.Contains("System.Double", StringComparison.Ordinal) => "a number",
            var t when t.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a valid value",
        };
        var what = match.Groups["what"].Value == "option" ? match.Groups["name"].Value : $"argument {match.Groups["name"].Value}";
        return $"{what} '{QuotedText.Shorten(match.Groups["value"].Value)}' is not {wanted}";
    }
}
