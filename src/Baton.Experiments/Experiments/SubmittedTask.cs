using System.Text;
using System.Text.Json;
using Baton.Core.Lifecycle;
using Baton.Experiments.Execution;

namespace Baton.Experiments.Experiments;

/// <summary>
/// One distinct task of an experiment, however many times it was submitted: its state, its callbacks and its
/// watched outputs. Everything but adding callbacks runs on the experiment's callback thread.
/// </summary>
internal sealed class SubmittedTask(Experiment experiment, Submission submission, string name, string directory) : IDisposable
{
    private readonly object _gate = new();
    private readonly List<Action> _onCompleted = [];
    // Called with the final state, whatever it is (a typed task's on_end); on_failure is one that checks for Failed.
    private readonly List<Action<TaskState>> _onEnded = [];
    // Called with the attempt number each time an attempt starts running (a typed task's on_start).
    private readonly List<Action<int>> _onStarted = [];
    private readonly Dictionary<string, List<Action<JsonElement, Dependency>>> _watchers = new(StringComparer.Ordinal);
    private readonly List<(string Name, JsonElement Value)> _events = [];
    private long _readOffset;
    private FileSystemWatcher? _fileWatcher;

    public Submission Submission { get; } = submission;

    public string Name { get; } = name;

    public string Directory { get; } = directory;

    public TaskState? State { get; private set; }

    public TaskCompletionSource<TaskState> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void AddCompletionCallback(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _onCompleted.Add(callback);
        }
        // Already Done: the callback runs now (on the callback thread), as upstream's on_completed does.
        experiment.Post(() =>
        {
            if (State == TaskState.Done)
            {
                RunCallbacks();
            }
        });
    }

    /// <summary>Calls <paramref name="callback"/> with the task's final state once it has one (at once if it has).</summary>
    public void AddEndCallback(Action<TaskState> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _onEnded.Add(callback);
        }
        experiment.Post(() =>
        {
            if (State is { } state)
            {
                RunEndCallbacks(state);
            }
        });
    }

    /// <summary>Calls <paramref name="callback"/> with the attempt's number each time an attempt of the task starts running.</summary>
    public void AddStartCallback(Action<int> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _onStarted.Add(callback);
        }
    }

    /// <summary>On the callback thread: an attempt of the task started running.</summary>
    public void Started(int attempt)
    {
        Action<int>[] callbacks;
        lock (_gate)
        {
            callbacks = [.. _onStarted];
        }
        foreach (var callback in callbacks)
        {
            experiment.Guard(() => callback(attempt));
        }
    }

    public void AddOutputWatcher(string name, Action<JsonElement, Dependency> callback)
    {
        experiment.Post(() =>
        {
            if (!_watchers.TryGetValue(name, out var list))
            {
                _watchers.Add(name, list = []);
            }
            list.Add(callback);
            // Events already read (or recorded by an earlier run) are replayed to a new callback.
            foreach (var (eventName, value) in _events)
            {
                if (eventName == name)
                {
                    experiment.Guard(() => callback(value, SoftDependency()));
                }
            }
            StartWatching();
            ReadOutputs();
        });
    }

    /// <summary>On the callback thread: the task reached a final state.</summary>
    public void Settle(TaskState state)
    {
        State = state;
        // The last events the task wrote before it ended, first: completion callbacks then see every output.
        ReadOutputs();
        if (state == TaskState.Done)
        {
            RunCallbacks();
        }
        RunEndCallbacks(state);
        _fileWatcher?.Dispose();
        _fileWatcher = null;
        Finished.TrySetResult(state);
    }

    private void RunCallbacks()
    {
        Action[] callbacks;
        lock (_gate)
        {
            callbacks = [.. _onCompleted];
            _onCompleted.Clear();
        }
        foreach (var callback in callbacks)
        {
            experiment.Guard(callback);
        }
    }

    private void RunEndCallbacks(TaskState state)
    {
        Action<TaskState>[] callbacks;
        lock (_gate)
        {
            callbacks = [.. _onEnded];
            _onEnded.Clear();
        }
        foreach (var callback in callbacks)
        {
            experiment.Guard(() => callback(state));
        }
    }

    private Dependency SoftDependency() => new(Submission, soft: true);

    private void StartWatching()
    {
        if (_fileWatcher is not null || State is not null)
        {
            return;
        }
        System.IO.Directory.CreateDirectory(Directory);
        // inotify: the callback thread reads the file when it changes; nothing polls.
        _fileWatcher = new FileSystemWatcher(Directory, TaskOutputs.FileName)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
        };
        _fileWatcher.Changed += (_, _) => experiment.Post(ReadOutputs);
        _fileWatcher.Created += (_, _) => experiment.Post(ReadOutputs);
        _fileWatcher.EnableRaisingEvents = true;
    }

    /// <summary>Reads the lines appended since the last read and calls the watchers of each event.</summary>
    private void ReadOutputs()
    {
        if (_watchers.Count == 0)
        {
            return;
        }
        var path = Path.Combine(Directory, TaskOutputs.FileName);
        if (!File.Exists(path))
        {
            return;
        }
        byte[] fresh;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            if (file.Length <= _readOffset)
            {
                return;
            }
            file.Position = _readOffset;
            fresh = new byte[file.Length - _readOffset];
            file.ReadExactly(fresh);
        }
        // Only whole lines: a line still being written is read next time.
        var end = Array.LastIndexOf(fresh, (byte)'\n');
        if (end < 0)
        {
            return;
        }
        _readOffset += end + 1;
        foreach (var line in Encoding.UTF8.GetString(fresh, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            var name = document.RootElement.GetProperty("name").GetString()!;
            var value = document.RootElement.GetProperty("value").Clone();
            _events.Add((name, value));
            if (_watchers.TryGetValue(name, out var callbacks))
            {
                foreach (var callback in callbacks)
                {
                    experiment.Guard(() => callback(value, SoftDependency()));
                }
            }
        }
    }

    public void Dispose() => _fileWatcher?.Dispose();
}
