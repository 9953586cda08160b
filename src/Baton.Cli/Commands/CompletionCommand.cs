using System.CommandLine;
using System.Text;
using Baton.Core.Errors;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton completion bash|zsh|fish</c>: a shell completion script for baton's commands and their options, to
/// source from the shell's start-up file.
/// </summary>
internal static class CompletionCommand
{
    public static Command Create(RootCommand root, Func<ParseResult, CliContext> context)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        var command = new Command("completion", "Print a shell completion script: eval \"$(baton completion bash)\"") { shell };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var script = parse.GetValue(shell) switch
            {
                "bash" => Bash(root),
                // zsh runs bash completion functions through bashcompinit.
                "zsh" => "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + Bash(root),
                "fish" => Fish(root),
                var other => throw new BatonInputException($"completion '{other}': give bash, zsh or fish"),
            };
            await cli.Output.WriteAsync(script.AsMemory(), cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    private static IEnumerable<Command> Commands(RootCommand root) => root.Subcommands.Where(c => !c.Hidden);

    private static IEnumerable<string> OptionNames(Command command, RootCommand root) =>
        command.Options.Concat(root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith('-')).Distinct(StringComparer.Ordinal);

    private static string Bash(RootCommand root)
    {
        var script = new StringBuilder();
        script.Append("# baton completion for bash: eval \"$(baton completion bash)\"\n_baton() {\n");
        script.Append("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" opts\n");
        script.Append("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n");
        script.Append("        COMPREPLY=($(compgen -W \"").AppendJoin(' ', Commands(root).Select(c => c.Name)).Append("\" -- \"$cur\"))\n");
        script.Append("        return\n    fi\n    case \"${COMP_WORDS[1]}\" in\n");
        foreach (var command in Commands(root))
        {
            script.Append("        ").Append(command.Name).Append(") opts=\"").AppendJoin(' ', OptionNames(command, root)).Append("\" ;;\n");
        }
        script.Append("        *) opts=\"\" ;;\n    esac\n");
        script.Append("    if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n    else\n        COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n}\n");
        script.Append("complete -o default -F _baton baton\n");
        return script.ToString();
    }

    private static string Fish(RootCommand root)
    {
        var script = new StringBuilder("# baton completion for fish: baton completion fish | source\n");
        foreach (var command in Commands(root))
        {
            script.Append("complete -c baton -f -n __fish_use_subcommand -a ").Append(command.Name)
                .Append(" -d ").Append(FishQuote(command.Description ?? "")).Append('\n');
            foreach (var option in command.Options.Concat(root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden))
            {
                script.Append("complete -c baton -n '__fish_seen_subcommand_from ").Append(command.Name).Append('\'');
                foreach (var name in option.Aliases.Prepend(option.Name).Distinct(StringComparer.Ordinal))
                {
                    script.Append(name.StartsWith("--", StringComparison.Ordinal) ? " -l " + name[2..] : name.StartsWith('-') ? " -s " + name[1..] : "");
                }
                script.Append(" -d ").Append(FishQuote(option.Description ?? "")).Append('\n');
            }
        }
        return script.ToString();
    }

    private static string FishQuote(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace('\n', ' ') + "'";
}
