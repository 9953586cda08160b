using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Hosting.Security;
using Baton.Hosting.Workspaces;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton token create|list|revoke</c>: the API tokens of a server (docs/server.md). On the workspace's store, or
/// through the server (an admin token) when one is set (<c>--server</c>, <c>BATON_SERVER</c>, client config).
/// </summary>
internal static class TokenCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var command = new Command("token", "API tokens of 'baton serve': create, list, revoke");
        command.Subcommands.Add(CreateToken(common, context));
        command.Subcommands.Add(List(common, context));
        command.Subcommands.Add(Revoke(common, context));
        return command;
    }

    private static Option<string?> StoreOption() => new("--store")
    {
        Description = "The store of the server (as 'baton serve --store'; default: $BATON_STORE, else settings.yaml, else the workspace's baton.db)",
    };

    private static Command CreateToken(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var name = new Option<string>("--name") { Description = "Who uses it: runs it submits are recorded as submitted by this name", Required = true };
        var scope = new Option<string>("--scope") { Description = "read (look), submit (also run, and change its own runs) or admin (everything)", Required = true };
        scope.AcceptOnlyFromAmong("read", "submit", "admin");
        var expires = new Option<string?>("--expires") { Description = "Lifetime, e.g. 30d or 12h (default: until revoked)" };
        var store = StoreOption();
        var command = new Command("create", "Create a token and print its secret (shown this once)") { name, scope, expires, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var creation = new TokenCreation(parse.GetValue(name)!, parse.GetValue(scope)!) { Expires = parse.GetValue(expires) };
            CreatedToken created;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                created = await client.CreateTokenAsync(creation, cancellationToken);
            }
            else
            {
                await using var opened = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: true, cli.Loggers, cancellationToken, parse.GetValue(store));
                var (token, secret) = await new TokenService(opened, cli.Time).CreateAsync(creation.Name, creation.Scope, creation.Expires, cancellationToken);
                created = new CreatedToken(TokenEndpoints.Info(token), secret);
            }
            await cli.Output.WriteLineAsync(created.Secret);
            var until = created.Token.ExpiresAt is { } at ? $"until {Time(at)}" : "until revoked";
            await cli.Error.WriteLineAsync($"baton: token '{created.Token.Name}' (id {created.Token.Id}, scope {created.Token.Scope}, {until}) created; its secret above is shown this once");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var json = CommonOptions.Json();
        var store = StoreOption();
        var command = new Command("list", "List tokens (never their secrets), revoked and expired ones too") { json, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            IReadOnlyList<TokenInfo> tokens;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                tokens = await client.ListTokensAsync(cancellationToken);
            }
            else
            {
                await using var opened = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken, parse.GetValue(store));
                tokens = (await new TokenService(opened, cli.Time).ListAsync(cancellationToken)).Select(TokenEndpoints.Info).ToList();
            }
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(tokens, NodeJson.Default.IReadOnlyListTokenInfo));
                return ExitCodes.Success;
            }
            var now = cli.Time.GetUtcNow();
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("id", "name", "scope", "created (UTC)", "expires (UTC)", "state");
            foreach (var token in tokens)
            {
                var state = token.RevokedAt is { } revoked ? $"revoked {Time(revoked)}" : token.ExpiresAt is { } expires && expires <= now ? "expired" : "valid";
                table.AddRow(token.Id.ToString(CultureInfo.InvariantCulture), Markup.Escape(token.Name), token.Scope, Time(token.CreatedAt),
                    token.ExpiresAt is { } e ? Time(e) : "never", state);
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var which = new Argument<string>("NAME|ID") { Description = "The live token of that name, or the token of that id" };
        var store = StoreOption();
        var command = new Command("revoke", "Revoke a token: from now on it authenticates nothing") { which, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            TokenInfo revoked;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                revoked = await client.RevokeTokenAsync(parse.GetValue(which)!, cancellationToken);
            }
            else
            {
                await using var opened = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create: false, cli.Loggers, cancellationToken, parse.GetValue(store));
                revoked = TokenEndpoints.Info(await new TokenService(opened, cli.Time).RevokeAsync(parse.GetValue(which)!, cancellationToken));
            }
            await cli.Error.WriteLineAsync($"baton: token '{QuotedText.Escape(revoked.Name)}' (id {revoked.Id}) revoked");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
