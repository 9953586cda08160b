using System.Globalization;

namespace Baton.Core.Stores;

/// <summary>
/// Where a page of tasks ended: the position of its last row in the listing order (workflow id, then the task's
/// index in that workflow). Pass it back to get the rows after it. <see cref="ToString"/> and
/// <see cref="TryParse"/> give an opaque text form for a client's continuation token.
/// </summary>
public sealed record TaskPageKey(long WorkflowId, int Ordinal)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{WorkflowId}.{Ordinal}");

    public static bool TryParse(string? text, out TaskPageKey? key)
    {
        key = null;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0
            || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var workflow)
            || !int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return false;
        }
        key = new TaskPageKey(workflow, ordinal);
        return true;
    }
}

/// <summary>One page of <see cref="IBatonStore.ListTasksPageAsync"/>.</summary>
/// <param name="Next">Where the next page starts; null when this page is the last (it may also be set when the next page turns out empty).</param>
public sealed record TaskPage(IReadOnlyList<TaskRow> Tasks, TaskPageKey? Next);
