namespace Baton.Engine.Status;

/// <summary>
/// Failed attempts of one template that failed the same way: the same outcome and the same last line of
/// stderr (or message) once numbers and hex strings are blanked out, so 500 failures with one cause are one
/// cluster with a count.
/// </summary>
/// <param name="Template">The template of the tasks.</param>
/// <param name="Outcome">The attempts' outcome word (<c>failed</c>, <c>out_of_memory</c>, ...), with the exit code when one decided it.</param>
/// <param name="Signature">What the attempts have in common: the normalised last line.</param>
/// <param name="Count">How many attempts failed this way.</param>
/// <param name="Tasks">Some of the tasks (at most <see cref="ErrorReport.ExampleTasks"/>), in workflow order.</param>
/// <param name="LastLines">The last lines of stderr of the first such attempt.</param>
public sealed record ErrorCluster(
    string Template,
    string Outcome,
    string Signature,
    int Count,
    IReadOnlyList<string> Tasks,
    IReadOnlyList<string> LastLines);
