using System.Text;

namespace Baton.Core.Commands;

/// <summary>Where an attempt runs; supplies the values of built-ins and <c>{dir:...}</c> references.</summary>
public interface ICommandEnvironment
{
    string TaskDirectory { get; }
    string AttemptDirectory { get; }
    int Attempt { get; }
    string WorkflowDirectory { get; }
    string Workspace { get; }
    /// <summary>Path of the file that lists the upstream directories, written before the attempt starts.</summary>
    string UpstreamDirsFile { get; }
    /// <summary>The directory of an upstream task named in a <c>{dir:...}</c> reference.</summary>
    string DirectoryOf(string upstreamTaskName);
}

/// <summary>A template's command with one task's argument values bound; rendered into an argv per attempt.</summary>
public sealed class TaskCommand
{
    public TaskCommand(CommandTemplate template, IReadOnlyDictionary<string, string> arguments)
    {
        Template = template;
        Arguments = arguments;
        // Built once per task of a workflow (100,000 of them is normal): a plain loop, nothing for the usual task
        // without references.
        var references = template.DirectoryReferenceArray;
        if (references.Length == 0)
        {
            DirectoryReferences = [];
            return;
        }
        var names = new string[references.Length];
        for (var r = 0; r < names.Length; r++)
        {
            names[r] = ExpandName(references[r].TaskName, arguments);
        }
        DirectoryReferences = names;
    }

    public CommandTemplate Template { get; }

    /// <summary>Every argument's value: node, task and op arguments alike.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>The task names that <c>{dir:...}</c> references resolve to, in order of appearance.</summary>
    public IReadOnlyList<string> DirectoryReferences { get; }

    /// <summary>The program and its arguments: one string per word of the template, values never split.</summary>
    public string[] Render(ICommandEnvironment environment)
    {
        var argv = new string[Template.Words.Count];
        var reference = 0;
        var sb = new StringBuilder();
        for (var w = 0; w < argv.Length; w++)
        {
            var word = Template.Words[w];
            if (word.Count == 1 && word[0] is LiteralSegment only)
            {
                argv[w] = only.Text;
                continue;
            }
            sb.Clear();
            foreach (var segment in word)
            {
                switch (segment)
                {
                    case LiteralSegment l:
                        sb.Append(l.Text);
                        break;
                    case ArgumentSegment a:
                        sb.Append(Arguments[a.Name]);
                        break;
                    case BuiltinSegment b:
                        sb.Append(b.Builtin switch
                        {
                            Builtin.TaskDir => environment.TaskDirectory,
                            Builtin.Attempt => environment.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            Builtin.AttemptDir => environment.AttemptDirectory,
                            Builtin.WorkflowDir => environment.WorkflowDirectory,
                            Builtin.Workspace => environment.Workspace,
                            Builtin.UpstreamDirs => environment.UpstreamDirsFile,
                            _ => throw new InvalidOperationException($"unknown built-in {b.Builtin}"),
                        });
                        break;
                    case DirectoryReferenceSegment:
                        sb.Append(environment.DirectoryOf(DirectoryReferences[reference++]));
                        break;
                }
            }
            argv[w] = sb.ToString();
        }
        return argv;
    }

    /// <summary>The command as one display line, each word quoted when needed; for humans, never for a shell to run.</summary>
    public static string Display(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal))
            ? a
            : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>Expands a task-name pattern from <c>{dir:...}</c> with argument values.</summary>
    public static string ExpandName(IReadOnlyList<CommandSegment> pattern, IReadOnlyDictionary<string, string> arguments)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(arguments);
        // Runs once per reference per task: a single piece is returned as is, longer names are built in place.
        if (pattern.Count == 1)
        {
            return Piece(pattern[0], arguments);
        }
        var length = 0;
        for (var p = 0; p < pattern.Count; p++)
        {
            length = checked(length + Piece(pattern[p], arguments).Length);
        }
        return string.Create(length, (pattern, arguments), static (chars, state) =>
        {
            var at = 0;
            for (var p = 0; p < state.pattern.Count; p++)
            {
                var piece = Piece(state.pattern[p], state.arguments);
                piece.CopyTo(chars[at..]);
                at += piece.Length;
            }
        });
    }

    private static string Piece(CommandSegment part, IReadOnlyDictionary<string, string> arguments) => part switch
    {
        LiteralSegment l => l.Text,
        ArgumentSegment a => arguments[a.Name],
        _ => throw new InvalidOperationException("task name patterns hold literals and arguments only"),
    };
}
