using System.CommandLine;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Core.Errors;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton serve</c>: the workspace's node as a team server, on TCP as well as its Unix socket (docs/server.md).
/// Over TCP every request needs a token (<c>baton token create</c>); it prints its URL and a one-time login link for
/// the dashboard. It runs until a signal or <c>baton node stop</c>; it never stops for being idle.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultListen = "127.0.0.1:8470";

    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var listen = new Option<string>("--listen") { Description = $"HOST:PORT to listen on: an IP address, localhost or * (every interface); port 0 picks one (default: {DefaultListen})", DefaultValueFactory = _ => DefaultListen };
        var store = new Option<string?>("--store") { Description = "Where the state lives: postgresql://... or sqlite://PATH (default: $BATON_STORE, else settings.yaml, else the workspace's baton.db)" };
        var cpus = new Option<int?>("--cpus") { Description = "Cores the node may use (default: workspace settings, else all detected)" };
        var memory = new Option<string?>("--memory") { Description = "Memory the node may use, e.g. 16G (default: workspace settings, else all detected)" };
        var executor = new Option<string?>("--executor") { Description = "Where attempts run: local or slurm (default: workspace settings, else local)" };
        var certificate = new Option<string?>("--certificate") { Description = "Serve HTTPS with this certificate: a PKCS#12 file (.pfx), or a PEM file with --certificate-key" };
        var certificateKey = new Option<string?>("--certificate-key") { Description = "The PEM private key of --certificate" };
        var passwordVariable = new Option<string?>("--certificate-password-env") { Description = "The environment variable that holds the certificate's (or key's) password" };
        var behindProxy = new Option<bool>("--behind-proxy") { Description = "Trust X-Forwarded-For/-Proto/-Host from a reverse proxy on this machine (loopback)" };
        var command = new Command("serve", "Serve the workspace's node to a team over HTTP(S), with tokens (docs/server.md)")
        {
            listen, store, cpus, memory, executor, certificate, certificateKey, passwordVariable, behindProxy,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var network = NetworkListener.Parse(parse.GetValue(listen)!) with
            {
                CertificatePath = parse.GetValue(certificate) is { } path ? Path.GetFullPath(path) : null,
                CertificateKeyPath = parse.GetValue(certificateKey) is { } key ? Path.GetFullPath(key) : null,
                CertificatePassword = Password(parse.GetValue(passwordVariable)),
                BehindProxy = parse.GetValue(behindProxy),
            };
            if (network.CertificateKeyPath is not null && network.CertificatePath is null)
            {
                throw new BatonInputException("--certificate-key needs --certificate");
            }
            var setup = NodeSetup.Resolve(new BatonOptions
            {
                Workspace = parse.GetValue(common.Workspace),
                Cpus = parse.GetValue(cpus),
                Memory = parse.GetValue(memory),
                Executor = parse.GetValue(executor),
                Store = parse.GetValue(store),
            }, cli.Time);
            if (!network.IsLoopback && !network.UsesTls && !network.BehindProxy)
            {
                await cli.Error.WriteLineAsync($"baton: warning: serving {parse.GetValue(listen)} without TLS: tokens cross the network in clear text; give --certificate, or serve on loopback behind a TLS proxy (--behind-proxy)");
            }
            await ForegroundNode.RunAsync(cli, setup, idle: null, network, async (server, endpoint) =>
            {
                var address = server.NetworkAddresses[0];
                await cli.Error.WriteLineAsync($"baton: node {Environment.ProcessId} serves '{setup.Layout.Root}' at {address} and on {endpoint.SocketPath} ({setup.Capacity.Cpus} cpus, {HumanUnits.Bytes(setup.Capacity.MemoryBytes)}, executor {setup.Executor.Name})");
                // stdout: the URL, then a one-time login link for the dashboard (a secret: it opens an admin session).
                await cli.Output.WriteLineAsync(address.AbsoluteUri);
                await cli.Output.WriteLineAsync(server.NewLoginLink()!.AbsoluteUri);
                await cli.Output.FlushAsync(cancellationToken);
            }, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string? Password(string? variable)
    {
        if (variable is null)
        {
            return null;
        }
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } password
            ? password
            : throw new BatonInputException($"--certificate-password-env: the environment variable '{variable}' is not set");
    }
}
