using System.Threading.Channels;
using Spectre.Console;

namespace Baton.Cli.Tests.Server;

/// <summary>
/// <c>baton serve --listen 127.0.0.1:0</c> for a test's workspace, run in this process until disposed: the real
/// command, with its tokens, policies and Unix socket. Its address is the first line it prints.
/// </summary>
internal sealed class TeamServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<int> _serving;

    private TeamServer(CancellationTokenSource stop, Task<int> serving, Uri address, Uri loginLink)
    {
        _stop = stop;
        _serving = serving;
        Address = address;
        LoginLink = loginLink;
    }

    /// <summary>The server's base URL, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address { get; }

    /// <summary>The one-time dashboard login link it printed.</summary>
    public Uri LoginLink { get; }

    /// <summary>Stops the workspace's node (a run may have started one), then serves the workspace.</summary>
    public static async Task<TeamServer> StartAsync(CliRunner cli, params string[] options)
    {
        var stopped = await cli.RunAsync("node", "stop", "--force");
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        var lines = new LineChannelWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(TextWriter.Null) });
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var serving = Task.Run(() => BatonApp.RunAsync(
            ["serve", "--listen", "127.0.0.1:0", .. options, "--workspace", cli.Workspace], lines, TextWriter.Synchronized(error), console, stop.Token));
        var first = lines.Lines.ReadAsync(stop.Token).AsTask();
        if (await Task.WhenAny(first, serving) == serving)
        {
            Assert.Fail($"baton serve ended at once: exit {await serving}: {error}");
        }
        var address = new Uri(await first);
        var login = new Uri(await lines.Lines.ReadAsync(stop.Token));
        return new TeamServer(stop, serving, address, login);
    }

    /// <summary>A token of <paramref name="scope"/> (read, submit, admin) for <paramref name="name"/>: its secret.</summary>
    public static async Task<string> TokenAsync(CliRunner cli, string name, string scope)
    {
        var created = await cli.RunAsync("token", "create", "--name", name, "--scope", scope);
        Assert.True(created.ExitCode == 0, created.ToString());
        return created.Output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _serving;
        _stop.Dispose();
    }

    /// <summary>Hands each line written to it to a channel, so a test waits for a line rather than polling.</summary>
    private sealed class LineChannelWriter : TextWriter
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly System.Text.StringBuilder _line = new();

        public ChannelReader<string> Lines => _lines.Reader;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    _lines.Writer.TryWrite(_line.ToString());
                    _line.Clear();
                }
                else if (value != '\r')
                {
                    _line.Append(value);
                }
            }
        }
    }
}
