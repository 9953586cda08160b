namespace Baton.Experiments.Execution;

/// <summary>
/// Thrown by a task (typically a <see cref="Configs.ResumableTaskConfig"/> that checked
/// <see cref="TaskContext.RemainingTime"/> and saved a checkpoint) to end its attempt as a timeout: the task process
/// exits with <see cref="TaskProcess.GracefulTimeoutExitCode"/>, the engine records the attempt as timed out, and a
/// resumable task is retried with its directory kept.
/// </summary>
public sealed class GracefulTimeoutException : Exception
{
    public GracefulTimeoutException(string message) : base(message) { }

    public GracefulTimeoutException(string message, Exception inner) : base(message, inner) { }

    public GracefulTimeoutException() : base("graceful timeout") { }
}
