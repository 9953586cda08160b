using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Runs;

/// <summary>
/// Tasks added while the run goes on (a typed experiment submits as it runs: an evaluation per checkpoint while
/// training still runs), and the notification of each task that settles. An added task joins the loop as a task of
/// the workflow did at the start: Done stays Done, anything else waits for its upstreams.
/// </summary>
internal sealed partial class RunLoop
{
    private List<string>? _templateNames;

    /// <summary>
    /// Whether the run takes tasks as it goes (<see cref="AcceptTasks"/>): it then ends only once
    /// <see cref="CloseAdditions"/> says no more will come (or it is interrupted), even with nothing left to run.
    /// </summary>
    public bool AcceptsTasks { get; private set; }

    /// <summary>
    /// Called on the loop's thread each time an attempt of a task starts running, each time a task reaches a final
    /// state (Done, Failed, Killed), and for each task that was Done when it was added. It must not block: hand the
    /// news to another thread.
    /// </summary>
    public Action<TaskMoved>? Moved { get; init; }

    /// <summary>Before <see cref="RunAsync"/>: the run will take tasks as it goes.</summary>
    public void AcceptTasks() => AcceptsTasks = true;

    /// <summary>
    /// Adds the tasks of <paramref name="graph"/> past those the loop has (the graph starts with them, in the same
    /// order), already recorded in the store (<paramref name="added"/>, indexed from the first new task). Completes
    /// once the loop has taken them in.
    /// </summary>
    public Task AddTasksAsync(WorkflowGraph graph, WorkflowRegistration added, string[] directories, string[] parameters)
    {
        var request = new TasksAdded(graph, added, directories, parameters, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return request.Done.Task;
    }

    /// <summary>
    /// Raises a task's retries after a timeout (a resumable task submitted again with a higher <c>max_retries</c>:
    /// the higher wins). A lower value changes nothing.
    /// </summary>
    public void RaiseTimeoutRetries(int task, int retries) => _events.Writer.TryWrite(new TimeoutRetriesRaised(task, retries));

    /// <summary>No more tasks will be added: the run ends once nothing is left to run.</summary>
    public void CloseAdditions() => _events.Writer.TryWrite(new NoMoreTasks());

    private void HandleAddition(RunEvent e)
    {
        switch (e)
        {
            case TasksAdded added:
                OnTasksAdded(added);
                break;
            case NoMoreTasks:
                AcceptsTasks = false;
                break;
            case TimeoutRetriesRaised raised when raised.Task < _state.Length && _graph.Tasks[raised.Task].TimeoutRetries < raised.Retries:
                var tasks = _graph.Tasks.ToArray();
                tasks[raised.Task] = tasks[raised.Task] with { TimeoutRetries = raised.Retries };
                _graph = new WorkflowGraph(_graph.Name, _graph.WorkflowArgs, _graph.SourceFile, _graph.WorkflowDirectory, tasks, _graph.Upstream);
                break;
        }
    }

    private void OnTasksAdded(TasksAdded added)
    {
        var first = _state.Length;
        var count = added.Graph.Tasks.Count;
        _graph = added.Graph;
        Grow(ref _taskIds, added.Registration.TaskIds, first);
        Grow(ref _directories, added.Directories, first);
        Grow(ref _parameters, added.Parameters, first);
        Grow(ref _state, added.Registration.States, first);
        Grow(ref _attemptsUsed, new int[count - first], first);
        Grow(ref _lastAttempt, added.Registration.LastAttemptNumbers, first);
        Grow(ref _waitingOn, new int[count - first], first);
        _templateNames ??= [.. _progress.Templates.Select(p => p.Name)];
        var template = new int[count - first];
        for (var t = first; t < count; t++)
        {
            var name = _graph.Tasks[t].Template.Name;
            var index = _templateNames.IndexOf(name);
            if (index < 0)
            {
                index = _templateNames.Count;
                _templateNames.Add(name);
            }
            template[t - first] = index;
        }
        Grow(ref _template, template, first);
        _progress.Extend(_templateNames, _template, _state, first);
        var newTasks = _graph.Tasks.Skip(first).ToArray();
        Grow(ref _resources, newTasks.Select(task => task.Resources).ToArray(), first);
        Grow(ref _priority, newTasks.Select(task => task.Priority).ToArray(), first);
        Grow(ref _allocations, new Allocation?[count - first], first);
        Grow(ref _scaledRetries, new int[count - first], first);
        Grow(ref _freeRetries, new int[count - first], first);
        Grow(ref _foreign, new bool[count - first], first);
        _admission.Extend(_graph, _templateNames, _template, first);

        for (var t = first; t < count; t++)
        {
            // As a run's start does for the workflow's tasks, except that an attempt recorded as in flight is not
            // re-attached (start-up reconciliation covers the workflow's tasks only): anything not Done waits again
            // with its attempts reset.
            if (_state[t] == TaskState.Done)
            {
                Moved?.Invoke(new TaskMoved(t, TaskState.Done, FailureReason.None, _lastAttempt[t]));
                continue;
            }
            ResumeTask(t);
        }
        for (var t = first; t < count; t++)
        {
            if (_state[t] != TaskState.Waiting)
            {
                continue;
            }
            var waitingOn = 0;
            string? doomed = null;
            foreach (var u in _graph.Upstream[t])
            {
                if (_state[u] is TaskState.Failed or TaskState.Killed)
                {
                    doomed = _graph.Tasks[u].Name;
                }
                else if (_state[u] != TaskState.Done)
                {
                    waitingOn++;
                }
            }
            _waitingOn[t] = waitingOn;
            if (doomed is not null)
            {
                Transition(t, TaskState.Failed, FailureReason.UpstreamFailed, $"upstream '{doomed}' did not succeed");
                _failed++;
            }
            else if (waitingOn == 0)
            {
                MakeReady(t);
            }
        }
        added.Done.TrySetResult();
    }

    private static void Grow<T>(ref T[] array, IReadOnlyList<T> tail, int first)
    {
        var grown = new T[first + tail.Count];
        Array.Copy(array, grown, first);
        for (var i = 0; i < tail.Count; i++)
        {
            grown[first + i] = tail[i];
        }
        array = grown;
    }

    private void NotifyMoved(int t, TaskState from, TaskState to, FailureReason reason)
    {
        if (to.IsTerminal() || (to == TaskState.Running && from != TaskState.Running))
        {
            Moved?.Invoke(new TaskMoved(t, to, reason, _lastAttempt[t]));
        }
    }

    private sealed record TasksAdded(WorkflowGraph Graph, WorkflowRegistration Registration, string[] Directories, string[] Parameters, TaskCompletionSource Done) : RunEvent;

    private sealed record NoMoreTasks : RunEvent;

    private sealed record TimeoutRetriesRaised(int Task, int Retries) : RunEvent;
}

/// <summary>A task of a run started running an attempt (<see cref="TaskState.Running"/>), or reached a final state.</summary>
/// <param name="Task">The task's index in the run's graph.</param>
/// <param name="Attempt">The attempt that started, or the task's last one.</param>
public readonly record struct TaskMoved(int Task, TaskState State, FailureReason Reason, int Attempt);
