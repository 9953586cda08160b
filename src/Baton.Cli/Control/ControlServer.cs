using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Baton.Engine.Control;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Control;

/// <summary>Listens for control requests while a run is going and hands them to the run.</summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _inFlight = [];
    private IRunControl? _run;

    private ControlServer(Socket listener, ILogger logger)
    {
        _listener = listener;
        _logger = logger;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts listening for the workflow's run in the workspace; null when the name is taken (which the workflow lock prevents).</summary>
    public static ControlServer? Start(string workspaceRoot, string workflow, ILogger logger)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(ControlProtocol.EndPointFor(workspaceRoot, workflow));
            socket.Listen(16);
            return new ControlServer(socket, logger);
        }
        catch (SocketException ex)
        {
            LogUnavailable(logger, ex.Message);
            socket.Dispose();
            return null;
        }
    }

    /// <summary>From now on, requests go to this run.</summary>
    public void Attach(IRunControl run) => Volatile.Write(ref _run, run);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_inFlight)
            {
                _inFlight.RemoveAll(t => t.IsCompleted);
                _inFlight.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            ControlResponse response;
            try
            {
                using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
                var line = await reader.ReadLineAsync(_stop.Token);
                var request = line is null ? null : JsonSerializer.Deserialize(line, ControlJson.Default.ControlRequest);
                response = await HandleAsync(request);
            }
            catch (Exception ex)
            {
                // A request must always get an answer: the client cannot tell a dropped connection from "no run".
                LogRequestFailed(_logger, ex);
                response = new ControlResponse(null, [], $"{ex.GetType().Name}: {ex.Message}");
            }
            try
            {
                var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response, ControlJson.Default.ControlResponse) + "\n");
                await stream.WriteAsync(bytes, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                LogReplyFailed(_logger, ex.Message);
            }
        }
    }

    private async Task<ControlResponse> HandleAsync(ControlRequest? request)
    {
        var run = Volatile.Read(ref _run);
        if (run is null)
        {
            return new ControlResponse(null, [], "the run is starting; try again");
        }
        if (request is { Op: "resources" })
        {
            return new ControlResponse(run.Workflow, [], null) { Resources = await run.ResourcesAsync(_stop.Token) };
        }
        if (request is { Op: ControlRequest.LimitOp })
        {
            return await LimitAsync(run, request);
        }
        if (request is not { Op: "kill" or "set" })
        {
            return new ControlResponse(run.Workflow, [], $"unknown request '{request?.Op}'");
        }
        if (!string.Equals(request.Workflow, run.Workflow, StringComparison.Ordinal))
        {
            // Another workflow's tasks are not this run's to kill, even if names coincide.
            return new ControlResponse(run.Workflow, [], null);
        }
        if (request.Op == "set")
        {
            var change = TaskChange.Parse(request.Values);
            var results = new List<ControlTaskResult>();
            foreach (var task in request.Tasks)
            {
                results.Add(new ControlTaskResult(task, await run.SetAsync(task, change, _stop.Token)));
            }
            return new ControlResponse(run.Workflow, [.. results], null);
        }
        var report = await run.KillAsync(request.Tasks, _stop.Token);
        return new ControlResponse(run.Workflow, report.Tasks.Select(t => new ControlTaskResult(t.Task, t.Outcome)).ToArray(), null);
    }

    private async Task<ControlResponse> LimitAsync(IRunControl run, ControlRequest request)
    {
        if (!string.Equals(request.Workflow, run.Workflow, StringComparison.Ordinal))
        {
            return new ControlResponse(run.Workflow, [], null);
        }
        if (request.Limit is not ({ } limit and >= 1))
        {
            return new ControlResponse(run.Workflow, [], "a concurrency limit is a whole number of at least 1");
        }
        var what = request.Template is null ? $"workflow '{run.Workflow}'" : $"template '{request.Template}'";
        return await run.SetLimitAsync(request.Template, limit, _stop.Token)
            ? new ControlResponse(run.Workflow, [new ControlTaskResult(what, $"at most {limit} at once")], null)
            : new ControlResponse(run.Workflow, [], $"workflow '{run.Workflow}' has no template '{request.Template}'");
    }

    /// <summary>
    /// Stops taking requests, then lets those in flight send their answers: a kill that ends a run is answered
    /// after the run has ended, and the client must still hear that its task was killed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        Task[] inFlight;
        lock (_inFlight)
        {
            inFlight = [.. _inFlight];
        }
        try
        {
            await Task.WhenAll(inFlight).WaitAsync(DrainTimeout);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, inFlight.Count(t => !t.IsCompleted));
        }
        await _stop.CancelAsync();
        await _acceptLoop;
        await Task.WhenAll(inFlight);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "baton kill cannot reach this run: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} control requests were still unanswered when the run ended")]
    private static partial void LogDrainTimedOut(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "a control request failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "could not answer a control request: {Reason}")]
    private static partial void LogReplyFailed(ILogger logger, string reason);
}
