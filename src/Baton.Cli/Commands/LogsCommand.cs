using System.CommandLine;
using System.Text;
using Baton.Cli.Nodes;
using Baton.Client;
using Baton.Core.Errors;

namespace Baton.Cli.Commands;

/// <summary><c>baton logs TASK</c>: an attempt's stdout or stderr, optionally followed while it runs.</summary>
internal static class LogsCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var task = new Argument<string>("task") { Description = "A task name or an identity prefix" };
        var workflow = CommonOptions.WorkflowFilter("The workflow the task belongs to, when the name is in several");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the attempt writes until it ends" };
        var stderr = new Option<bool>("--stderr") { Description = "Print stderr instead of stdout" };
        var attempt = new Option<int?>("--attempt") { Description = "Which attempt (default: the latest)" };
        var command = new Command("logs", "Print a task attempt's stdout (or stderr)") { task, workflow, follow, stderr, attempt };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var row = await TaskResolver.ResolveAsync(source.Reads, parse.GetValue(task)!, parse.GetValue(workflow), cancellationToken);
            var details = await source.Reads.GetTaskAsync(row.TaskId, cancellationToken);
            var attempts = details?.Attempts ?? [];
            if (attempts.Count == 0)
            {
                throw new BatonInputException($"task '{row.Name}' has no attempt yet (state {row.State.ToString().ToLowerInvariant()})");
            }
            var wanted = parse.GetValue(attempt);
            var chosen = wanted is { } n
                ? attempts.FirstOrDefault(a => a.Number == n) ?? throw new BatonInputException($"task '{row.Name}' has no attempt {n} (attempts: {string.Join(", ", attempts.Select(a => a.Number))})")
                : attempts[^1];
            var stream = parse.GetValue(stderr) ? LogStream.Stderr : LogStream.Stdout;
            await PrintAsync(cli, source.Reads.ReadLogAsync(row.TaskId, chosen.Number, stream, 0, parse.GetValue(follow), cancellationToken), cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Writes the log's bytes as text (UTF-8, a character cut between two chunks kept whole) until it ends or the user stops.</summary>
    private static async Task PrintAsync(CliContext cli, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken cancellationToken)
    {
        var decoder = new UTF8Encoding(false).GetDecoder();
        var text = new char[64 * 1024 + 4];
        try
        {
            await foreach (var chunk in chunks)
            {
                var count = decoder.GetChars(chunk.Span, text, flush: false);
                await cli.Output.WriteAsync(text.AsMemory(0, count), cancellationToken);
                await cli.Output.FlushAsync(cancellationToken);
            }
            var rest = decoder.GetChars([], text, flush: true);
            await cli.Output.WriteAsync(text.AsMemory(0, rest), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped following (Ctrl-C).
        }
    }
}
