using System.Threading.Channels;
using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Workspaces;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Hooks;

/// <summary>
/// Runs one run's task hooks (docs/workflow-files.md, "Task hooks") in the background, one at a time and in the order
/// the run loop asked for them, so that the loop never waits for a hook. A hook runs in its task's directory, at most
/// <see cref="Timeout"/>, its output in <c>&lt;task_dir&gt;/hooks/&lt;hook&gt;.log</c>; a hook that fails is logged
/// there and in the run's log and changes nothing. The run ends once every hook it asked for has run.
/// </summary>
internal sealed partial class TaskHookRunner
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly string _workflow;
    private readonly string _workflowDirectory;
    private readonly WorkspaceLayout _layout;
    private readonly ILogger _logger;
    private readonly Channel<HookCall> _calls = Channel.CreateUnbounded<HookCall>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _worker;
    // Tasks this run tried: only they run end hooks (a task that never started, or was Done before, has none).
    private readonly HashSet<string> _tried = new(StringComparer.Ordinal);

    public TaskHookRunner(string workflow, string workflowDirectory, WorkspaceLayout layout, ILogger logger)
    {
        _workflow = workflow;
        _workflowDirectory = workflowDirectory;
        _layout = layout;
        _logger = logger;
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>The run loop moved a task: queue the hooks that this change calls for. Never blocks.</summary>
    public void Moved(TaskSpec task, string taskDirectory, int attempt, TaskState from, TaskState to)
    {
        if (!task.Hooks.Any)
        {
            return;
        }
        if (to == TaskState.Submitted)
        {
            _tried.Add(task.Name);
        }
        if (to == TaskState.Running && from != TaskState.Running)
        {
            Queue(task, taskDirectory, attempt, to, "on_start", task.Hooks.OnStart);
        }
        if (!to.IsTerminal() || !_tried.Contains(task.Name))
        {
            return;
        }
        Queue(task, taskDirectory, attempt, to, "on_success", to == TaskState.Done ? task.Hooks.OnSuccess : null);
        Queue(task, taskDirectory, attempt, to, "on_failure", to == TaskState.Failed ? task.Hooks.OnFailure : null);
        Queue(task, taskDirectory, attempt, to, "on_end", task.Hooks.OnEnd);
    }

    /// <summary>Waits for every queued hook to have run; no hook may be queued after.</summary>
    public async Task DrainAsync()
    {
        _calls.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    /// <summary>Where a task's hook writes its output.</summary>
    public static string LogFile(string taskDirectory, string hook) => Path.Combine(taskDirectory, "hooks", $"{hook}.log");

    private void Queue(TaskSpec task, string taskDirectory, int attempt, TaskState state, string hook, CommandTemplate? command)
    {
        if (command is null)
        {
            return;
        }
        try
        {
            // Rendered now, on the loop: the values are those of this moment (the attempt that started, say).
            var environment = new HookEnvironment(taskDirectory, WorkspaceLayout.AttemptDirectory(taskDirectory, attempt), attempt, _workflowDirectory, _layout.Root);
            var argv = new TaskCommand(command, task.Command.Arguments).Render(environment);
            _calls.Writer.TryWrite(new HookCall(task.Name, taskDirectory, attempt, state, hook, argv));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogHookFailed(_logger, hook, task.Name, ex.Message);
        }
    }

    private async Task WorkAsync()
    {
        await foreach (var call in _calls.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await RunAsync(call).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogHookFailed(_logger, call.Hook, call.Task, ex.Message);
            }
        }
    }

    private Task RunAsync(HookCall call) => HookProcess.RunAsync(
        call.Argv,
        call.TaskDirectory,
        new Dictionary<string, string>
        {
            ["BATON_WORKFLOW"] = _workflow,
            ["BATON_TASK"] = call.Task,
            ["BATON_TASK_STATE"] = call.State.ToWord(),
            ["BATON_ATTEMPT"] = call.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BATON_HOOK"] = call.Hook,
        },
        LogFile(call.TaskDirectory, call.Hook),
        Timeout);

    private sealed record HookCall(string Task, string TaskDirectory, int Attempt, TaskState State, string Hook, string[] Argv);

    private sealed class HookEnvironment(string taskDirectory, string attemptDirectory, int attempt, string workflowDirectory, string workspace) : ICommandEnvironment
    {
        public string TaskDirectory => taskDirectory;
        public string AttemptDirectory => attemptDirectory;
        public int Attempt => attempt;
        public string WorkflowDirectory => workflowDirectory;
        public string Workspace => workspace;
        // The compiler refuses {upstream_dirs} and {dir:...} in hooks.
        public string UpstreamDirsFile => "";
        public string DirectoryOf(string upstreamTaskName) => "";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the {Hook} hook of task {Task} failed: {Reason}")]
    private static partial void LogHookFailed(ILogger logger, string hook, string task, string reason);
}
