using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Workspaces;
using Baton.Engine.Hooks;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Groups;

/// <summary>
/// Runs the groups' hooks for one run (cattino's GroupInfo): a group's <c>on_start</c> when the first of its tasks
/// starts (outer groups first), its <c>on_end</c> when the last of its tasks has ended, Done, Failed or Killed (inner
/// groups first). Tasks that were Done before the run do not count. A group none of whose tasks started has no end
/// hook either. Hooks run one at a time on the run loop, which waits for each (at most <see cref="Timeout"/>), so a
/// group's tasks start after its start hook has finished; a hook that fails is logged and written to its log file and
/// changes no task.
/// </summary>
internal sealed partial class GroupHooks
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly WorkflowGraph _graph;
    private readonly WorkspaceLayout _layout;
    private readonly ILogger _logger;
    private readonly int[] _innermost;
    private readonly int[] _remaining;
    private readonly bool[] _started;

    public GroupHooks(WorkflowGraph graph, IReadOnlyList<TaskState> states, WorkspaceLayout layout, ILogger logger)
    {
        _graph = graph;
        _layout = layout;
        _logger = logger;
        var groups = graph.Groups;
        _remaining = new int[groups.Count];
        _started = new bool[groups.Count];
        _innermost = Enumerable.Repeat(-1, graph.Tasks.Count).ToArray();
        // Deeper groups are visited later, so each task ends up with its innermost group.
        foreach (var g in Enumerable.Range(0, groups.Count).OrderBy(Depth))
        {
            foreach (var t in groups[g].Tasks)
            {
                _innermost[t] = g;
                if (states[t] != TaskState.Done)
                {
                    _remaining[g]++;
                }
            }
        }
    }

    /// <summary>Task <paramref name="t"/> is about to start: start hooks of its groups that have not started, outermost first.</summary>
    public void Starting(int t)
    {
        var chain = Chain(t);
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var g = chain[i];
            if (!_started[g])
            {
                _started[g] = true;
                Run(g, _graph.Groups[g].OnStart, "on_start");
            }
        }
    }

    /// <summary>Task <paramref name="t"/> reached a final state: end hooks of its groups that have no task left, innermost first.</summary>
    public void Ended(int t)
    {
        foreach (var g in Chain(t))
        {
            if (--_remaining[g] == 0 && _started[g])
            {
                Run(g, _graph.Groups[g].OnEnd, "on_end");
            }
        }
    }

    private List<int> Chain(int t)
    {
        var chain = new List<int>();
        // A task added while the run goes on (typed experiments) belongs to no group.
        for (var g = t < _innermost.Length ? _innermost[t] : -1; g >= 0; g = _graph.Groups[g].Parent)
        {
            chain.Add(g);
        }
        return chain;
    }

    private int Depth(int g)
    {
        var depth = 0;
        for (var p = _graph.Groups[g].Parent; p >= 0; p = _graph.Groups[p].Parent)
        {
            depth++;
        }
        return depth;
    }

    private void Run(int g, GroupHook? hook, string which)
    {
        var group = _graph.Groups[g].Name;
        try
        {
            switch (hook)
            {
                case CommandHook command:
                    RunCommand(group, command.Command, which);
                    break;
                case DelegateHook code:
                    using (var timeout = new CancellationTokenSource(Timeout))
                    {
                        code.Run(new GroupHookContext(_graph.Name, group, _layout.Root), timeout.Token).Wait(timeout.Token);
                    }
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogHookFailed(_logger, which, group, ex.Message);
        }
    }

    private void RunCommand(string group, CommandTemplate template, string which)
    {
        var argv = new TaskCommand(template, new Dictionary<string, string> { ["group"] = group })
            .Render(new HookEnvironment(_graph.WorkflowDirectory, _layout.Root));
        // Waited for on the loop: a group's tasks start after its start hook (see the class remarks).
        HookProcess.RunAsync(
            argv,
            _graph.WorkflowDirectory,
            new Dictionary<string, string> { ["BATON_WORKFLOW"] = _graph.Name, ["BATON_GROUP"] = group },
            LogFile(group, which),
            Timeout).GetAwaiter().GetResult();
    }

    /// <summary>Where a hook's output goes: <c>&lt;workspace&gt;/hooks/&lt;workflow&gt;/&lt;group&gt;.on_start.log</c>.</summary>
    public string LogFile(string group, string which) => Path.Combine(_layout.Root, "hooks", _graph.Name, $"{group}.{which}.log");

    private sealed class HookEnvironment(string workflowDirectory, string workspace) : ICommandEnvironment
    {
        // A hook belongs to no task: the compiler refuses the task built-ins in hook commands.
        public string TaskDirectory => "";
        public string AttemptDirectory => "";
        public int Attempt => 0;
        public string WorkflowDirectory => workflowDirectory;
        public string Workspace => workspace;
        public string UpstreamDirsFile => "";
        public string DirectoryOf(string upstreamTaskName) => "";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the {Which} hook of group {Group} failed: {Reason}")]
    private static partial void LogHookFailed(ILogger logger, string which, string group, string reason);
}
