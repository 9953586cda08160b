using System.Buffers;
using System.Text;
using Baton.Core.Commands;
using Baton.Core.Graph;

namespace Baton.Core.Workflows;

/// <summary>What makes a workflow, template, task or argument name valid.</summary>
internal static class Names
{
    // ASCII controls, space, and the characters TaskNameProblem names; non-ASCII text takes the slow path.
    private static readonly SearchValues<char> AsciiForbidden = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 33).Select(c => (char)c)) + "\u007f/\\'\"{}");

    /// <summary>
    /// Workflow names: letters, digits, '-', '_' and '.', not starting with '.'; they appear in listings and command
    /// lines and are a directory level (<c>hooks/&lt;workflow&gt;/</c>), so neither <c>.</c> nor <c>..</c>.
    /// </summary>
    public static bool IsWorkflowName(string name) =>
        IsSafeWord(name) && name[0] != '.';

    private static bool IsSafeWord(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// Why a name or word from the file (a task name, tag, attribute or token name) would not read as it prints, or
    /// null: control characters, bidi overrides, zero-width and other invisible format characters, line separators
    /// and unpaired surrogates make two different names look alike, or reorder what a terminal shows.
    /// </summary>
    public static string? InvisibleProblem(string name)
    {
        var i = Errors.QuotedText.FirstUnprintable(name);
        if (i < 0)
        {
            return null;
        }
        return char.IsControl(name[i])
            ? "it contains a control character"
            : $"it contains the invisible or direction-changing character U+{(int)name[i]:X4}";
    }

    /// <summary>
    /// Why a template name is not valid, or null. Template names become a directory level
    /// (<c>tasks/&lt;template&gt;/&lt;identity&gt;</c>), so they are restricted like workflow names and may not
    /// start with '.' or '-' (hidden files, options).
    /// </summary>
    public static string? TemplateNameProblem(string name)
    {
        if (name == TemplateSpec.OneOffName)
        {
            return $"'{TemplateSpec.OneOffName}' is reserved for one-off command: tasks";
        }
        if (!IsSafeWord(name) || name[0] is '.' or '-')
        {
            return "use letters, digits, '-', '_' and '.', not starting with '-' or '.'";
        }
        return null;
    }

    /// <summary>
    /// Why a task name is not valid, or null. Task names are typed on command lines and written inside
    /// <c>{dir:NAME}</c> and <c>after:</c>, so they hold no whitespace, quotes, slashes or braces, and do not start
    /// with '-' (it would read as an option).
    /// </summary>
    public static string? TaskNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }
        if (name[0] == '-')
        {
            return "it starts with '-'";
        }
        // Runs once per task: a vectorised search settles the common all-ASCII name without the loop below.
        if (name.AsSpan().IndexOfAny(AsciiForbidden) < 0 && Ascii.IsValid(name))
        {
            return null;
        }
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c))
            {
                return "it contains whitespace";
            }
            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
            if (c is '/' or '\\' or '\'' or '"' or '{' or '}')
            {
                return $"it contains '{c}'";
            }
        }
        return InvisibleProblem(name);
    }

    /// <summary>Why an argument name (template arguments, workflow arguments) is not valid, or null.</summary>
    public static string? ArgumentNameProblem(string name)
    {
        if (!CommandTemplate.IsIdentifier(name))
        {
            return "names are letters, digits and '_', not starting with a digit";
        }
        if (Builtins.TryParse(name, out _))
        {
            return $"{{{name}}} is a built-in placeholder";
        }
        return null;
    }
}
