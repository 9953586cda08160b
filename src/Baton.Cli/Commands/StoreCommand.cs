using System.CommandLine;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Stores.Sqlite.Connections;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton store check</c>: SQLite's integrity check of the workspace's store; when the file is damaged, what can
/// still be read is copied into a new file beside it (the damaged file is kept) and the command says how to use it.
/// Exit 0 intact, 3 damaged.
/// </summary>
internal static class StoreCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var check = new Command("check", "Check the store for damage; recover what can be read into a new file");
        check.SetAction((parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            if (!File.Exists(layout.StoreFile))
            {
                throw new BatonInputException($"no Baton workspace at '{layout.Root}' (no store file '{layout.StoreFile}')");
            }
            var result = StoreCheck.Run(layout.StoreFile, cancellationToken);
            var output = cli.Output;
            var store = QuotedText.Escape(layout.StoreFile);
            if (result.Intact)
            {
                output.WriteLine($"store '{store}': ok");
                return Task.FromResult(ExitCodes.Success);
            }
            output.WriteLine($"store '{store}': damaged");
            foreach (var problem in result.Problems)
            {
                output.WriteLine($"  {QuotedText.Shorten(problem)}");
            }
            if (result.RecoveredFile is not { } recovered)
            {
                output.WriteLine("nothing could be recovered: the file's first page (its schema) is unreadable; restore a backup or start a new workspace");
                return Task.FromResult(ExitCodes.StoreDamaged);
            }
            var escaped = QuotedText.Escape(recovered);
            output.WriteLine($"recovered what SQLite could read into '{escaped}':");
            foreach (var table in result.Tables)
            {
                output.WriteLine(table.Complete
                    ? $"  {table.Table}: {table.Rows} rows"
                    : $"  {table.Table}: {table.Rows} rows, the rest unreadable ({QuotedText.Shorten(table.Problem!)})");
            }
            output.WriteLine("the damaged file is kept. To use the recovered store, with no baton command running on this workspace:");
            output.WriteLine($"  mv '{store}' '{store}.damaged' && mv '{escaped}' '{store}'");
            return Task.FromResult(ExitCodes.StoreDamaged);
        });
        return new Command("store", "The workspace's store: check it, recover a damaged one") { Subcommands = { check } };
    }
}
