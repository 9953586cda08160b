using System.Globalization;
using System.Runtime.InteropServices;
using Baton.Core.Workspaces;
using Baton.Experiments.Configs;
using Baton.Experiments.Serialization;

namespace Baton.Experiments.Execution;

/// <summary>
/// The task-execution mode of a program that defines typed tasks. The engine starts the program itself with
/// <c>--baton-task &lt;task directory&gt; &lt;attempt&gt;</c>; the program's <c>Main</c> begins with
/// <code>if (TaskProcess.Requested(args)) return await TaskProcess.RunAsync(args);</code>
/// so that it reads params.json, rebuilds the object graph, sets the environment from submit hooks, runs the init
/// tasks and then the task, in the task directory. Nothing here needs the submitting process.
/// </summary>
public static class TaskProcess
{
    /// <summary>The first argument that selects the task-execution mode.</summary>
    public const string Flag = "--baton-task";

    /// <summary>
    /// The exit code that means "graceful timeout" (<see cref="GracefulTimeoutException"/>): EX_TEMPFAIL, "try again
    /// later". The engine records such an attempt as timed out, so a resumable task is retried.
    /// </summary>
    public const int GracefulTimeoutExitCode = 75;

    /// <summary>params.json does not match the program's classes, or the arguments are wrong.</summary>
    public const int InvalidExitCode = 2;

    /// <summary>Whether the program was started to run a task.</summary>
    public static bool Requested(string[] args) => args is [Flag, ..];

    /// <summary>Runs the task named by <paramref name="args"/> and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not [Flag, var taskDirectory, var attemptText] || !int.TryParse(attemptText, CultureInfo.InvariantCulture, out var attempt))
        {
            await Console.Error.WriteLineAsync($"usage: {Flag} TASK_DIRECTORY ATTEMPT");
            return InvalidExitCode;
        }
        LoadedTask loaded;
        try
        {
            loaded = ParamsFile.Read(WorkspaceLayout.ParamsFile(taskDirectory), new ConfigModels());
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"baton: {ex.Message}");
            return InvalidExitCode;
        }
        // Set in this process before anything runs, so that every program the task starts inherits them.
        foreach (var (name, value) in loaded.Header.Environment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
        Directory.SetCurrentDirectory(taskDirectory);

        using var cancel = new CancellationTokenSource();
        // SIGTERM (a kill with its grace period) cancels the token: a task that honours it can stop cleanly.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        var context = new TaskContext(
            taskDirectory,
            loaded.Header.Workspace,
            attempt,
            loaded.Header.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            TaskContext.ReadDeadline(Environment.GetEnvironmentVariable(TaskContext.DeadlineVariable)),
            time ?? TimeProvider.System);
        try
        {
            foreach (var init in loaded.Task.InitTasks)
            {
                await init.ExecuteAsync(cancel.Token);
            }
            await loaded.Task.ExecuteAsync(context, cancel.Token);
            return 0;
        }
        catch (GracefulTimeoutException ex)
        {
            await Console.Error.WriteLineAsync($"baton: graceful timeout: {ex.Message}");
            return GracefulTimeoutExitCode;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("baton: the task was cancelled (SIGTERM)");
            return 128 + 15;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failure of the task's own code: the whole exception (with its stack) is what its author needs.
            await Console.Error.WriteLineAsync($"baton: task {loaded.Header.Name} failed: {ex}");
            return 1;
        }
    }
}
