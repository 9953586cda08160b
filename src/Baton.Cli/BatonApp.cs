using System.CommandLine;
using Baton.Cli.Commands;
using Baton.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Baton.Cli;

/// <summary>
/// The <c>baton</c> command line. Hosts (Program, tests) call <see cref="RunAsync"/> with their own writers.
/// A user error prints one line and exits 2 (4 when a server refused the token); no stack trace unless <c>--verbose</c>.
/// </summary>
public static class BatonApp
{
    /// <summary>Logs go to stderr, so that stdout stays clean for tables, logs and JSON.</summary>
    private static ILoggerFactory CreateLoggers(bool verbose) => verbose
        ? LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Debug)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }))
        : NullLoggerFactory.Instance;

    /// <summary>
    /// The process's console. When stdout is not a terminal (a pipe, a file, CI) or NO_COLOR is set, it writes no
    /// escape code at all (no colour, no bold, no cursor movement: no live view), whatever TERM says. When stdout is
    /// not a terminal, tables are not squeezed into 80 columns either: a line per row is easier to grep.
    /// </summary>
    private static IAnsiConsole SystemConsole()
    {
        var redirected = Console.IsOutputRedirected;
        var plain = redirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        if (!plain)
        {
            return AnsiConsole.Console;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (redirected)
        {
            console.Profile.Width = 250;
        }
        return console;
    }

    /// <summary>The commands that work through a server (<c>--server</c>, <c>BATON_SERVER</c>, the client config file); the others refuse.</summary>
    private static readonly HashSet<string> ThroughServer = new(StringComparer.Ordinal) { "run", "ls", "show", "logs", "runs", "errors", "usage", "wait", "token", "download", "webhook", "completion" };

    /// <summary>The first-level command of a command line (<c>node</c> for <c>baton node stop</c>).</summary>
    private static string TopCommand(ParseResult parse)
    {
        var command = parse.CommandResult;
        while (command.Parent is System.CommandLine.Parsing.CommandResult parent && parent.Parent is not null)
        {
            command = parent;
        }
        return command.Command.Name;
    }

    /// <summary>"unknown command 'x' (did you mean 'y'?)" when the first word is no command; else null.</summary>
    private static string? UnknownCommand(RootCommand root, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || root.Subcommands.Any(c => c.Name == args[0] || c.Aliases.Contains(args[0])))
        {
            return null;
        }
        return $"unknown command '{args[0]}'{Core.Workflows.Suggestions.DidYouMean(args[0], root.Subcommands.Select(c => c.Name))}";
    }

    /// <summary>Runs one command line and returns its exit code.</summary>
    /// <param name="console">Where tables and progress go; null: the process's terminal.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IAnsiConsole? console = null, CancellationToken cancellationToken = default)
    {
        var common = new CommonOptions();
        ILoggerFactory? loggers = null;
        CliContext Context(ParseResult parse)
        {
            var verbose = parse.GetValue(common.Verbose);
            loggers ??= CreateLoggers(verbose);
            var remote = Nodes.RemoteServer.Resolve(parse.GetValue(common.Server), parse.GetValue(common.Token), Environment.GetEnvironmentVariable);
            if (remote is not null && !ThroughServer.Contains(TopCommand(parse)))
            {
                // Acting on the local workspace while a server is named would kill or run the wrong things.
                throw new BatonInputException(
                    $"'baton {TopCommand(parse)}' does not work through a server yet, and {remote.Source} names {remote.Address}: run it on the server's machine, or without the server to act on this machine's workspace");
            }
            return new CliContext(console ?? SystemConsole(), output, error, loggers, TimeProvider.System) { Remote = remote };
        }

        var root = new RootCommand("Baton runs computational tasks once each: workflows of command tasks, locally or on a cluster.")
        {
            Options = { common.Workspace, common.Verbose, common.Server, common.Token },
        };
        root.Subcommands.Add(RunCommand.Create(common, Context));
        root.Subcommands.Add(ListCommand.Create(common, Context));
        root.Subcommands.Add(ShowCommand.Create(common, Context));
        root.Subcommands.Add(LogsCommand.Create(common, Context));
        root.Subcommands.Add(DownloadCommand.Create(common, Context));
        root.Subcommands.Add(KillCommand.Create(common, Context));
        root.Subcommands.Add(RunsCommand.Create(common, Context));
        root.Subcommands.Add(SetCommand.Create(common, Context));
        root.Subcommands.Add(ResourcesCommand.Create(common, Context));
        root.Subcommands.Add(ResumeCommand.Create(common, Context));
        root.Subcommands.Add(LimitCommand.Create(common, Context));
        root.Subcommands.Add(ErrorsCommand.Create(common, Context));
        root.Subcommands.Add(UsageCommand.Create(common, Context));
        root.Subcommands.Add(WaitCommand.Create(common, Context));
        root.Subcommands.Add(NodeCommand.Create(common, Context));
        root.Subcommands.Add(StoreCommand.Create(common, Context));
        root.Subcommands.Add(InvalidateCommand.Create(common, Context));
        root.Subcommands.Add(CleanCommand.Create(common, Context));
        root.Subcommands.Add(DagCommand.Create(common, Context));
        root.Subcommands.Add(ServeCommand.Create(common, Context));
        root.Subcommands.Add(TokenCommand.Create(common, Context));
        root.Subcommands.Add(WebhookCommand.Create(common, Context));
        root.Subcommands.Add(CompletionCommand.Create(root, Context));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && UnknownCommand(root, args) is { } unknown)
        {
            await error.WriteLineAsync($"baton: error: {unknown} (see 'baton --help')");
            return ExitCodes.InputError;
        }
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"baton: error: {ParseErrorText.Describe(parse.Errors[0].Message)} (see 'baton --help')");
            return ExitCodes.InputError;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Off: System.CommandLine would answer 130 at the signal, before a run has recorded how it stopped.
                // 'baton run' handles SIGINT and SIGTERM itself (RunCommand); other commands just end.
                ProcessTerminationTimeout = null,
            }, cancellationToken);
        }
        catch (StoreDamagedException ex)
        {
            await error.WriteLineAsync($"baton: error: {ex.Message}");
            return ExitCodes.StoreDamaged;
        }
        catch (Client.ServerRefusedException ex)
        {
            await error.WriteLineAsync($"baton: error: {ex.Message}");
            return ExitCodes.Refused;
        }
        catch (BatonInputException ex)
        {
            await error.WriteLineAsync($"baton: error: {ex.Message}");
            return ExitCodes.InputError;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("baton: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (!parse.GetValue(common.Verbose))
        {
            await error.WriteLineAsync($"baton: internal error: {ex.GetType().Name}: {QuotedText.OneLine(ex.Message)} (run with --verbose for details)");
            return ExitCodes.InternalError;
        }
        finally
        {
            loggers?.Dispose();
        }
    }
}
