namespace Baton.Cli;

/// <summary>The exit codes of every baton command (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for happened; for <c>run</c>: every task is Done.</summary>
    public const int Success = 0;
    /// <summary>The command ran but its goal was not reached: some task failed or was killed.</summary>
    public const int TasksFailed = 1;
    /// <summary>Bad input: a workflow file, an option, a task name, an unusable or busy workspace.</summary>
    public const int InputError = 2;
    /// <summary>The store's file is damaged: the message names it and <c>baton store check</c>, which recovers what it can.</summary>
    public const int StoreDamaged = 3;
    /// <summary>A server refused the caller: no token, or one unknown, revoked or expired (401), or a scope too small or another user's run (403).</summary>
    public const int Refused = 4;
    /// <summary>Interrupted (Ctrl-C, SIGTERM): 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
    /// <summary>A bug in Baton (EX_SOFTWARE): the message says so and --verbose shows the stack trace.</summary>
    public const int InternalError = 70;
}
