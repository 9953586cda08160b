using System.Buffers;
using System.Text;
using System.Text.Json;
using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// The JSON payload of each event kind, built here once so that every store writes the same (docs/events.md
/// lists the fields). Absent values are left out rather than written as null.
/// </summary>
public static class EventPayload
{
    /// <summary><c>task.state</c>: <c>from</c>, <c>reason</c> (when not none), <c>message</c>, <c>attemptCount</c> (when the change set it).</summary>
    public static string For(TaskStateChanged change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Write(w =>
        {
            w.WriteString("from", change.From.ToWord());
            if (change.Reason != FailureReason.None)
            {
                w.WriteString("reason", change.Reason.ToWord());
            }
            WriteIfSet(w, "message", change.Message);
            if (change.AttemptCount is { } count)
            {
                w.WriteNumber("attemptCount", count);
            }
        });
    }

    /// <summary><c>attempt.started</c>: <c>executor</c>, <c>executorId</c>, <c>host</c>, <c>pid</c> (when known), <c>directory</c>.</summary>
    public static string For(AttemptStarted started)
    {
        ArgumentNullException.ThrowIfNull(started);
        return Write(w =>
        {
            w.WriteString("executor", started.Executor);
            w.WriteString("executorId", started.ExecutorId);
            w.WriteString("host", started.Host);
            if (started.ProcessId is { } pid)
            {
                w.WriteNumber("pid", pid);
            }
            w.WriteString("directory", started.Directory);
        });
    }

    /// <summary><c>attempt.ended</c>: <c>exitCode</c> and <c>message</c>, when known.</summary>
    public static string For(AttemptEnded ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        return Write(w =>
        {
            if (ended.ExitCode is { } code)
            {
                w.WriteNumber("exitCode", code);
            }
            WriteIfSet(w, "message", ended.Message);
        });
    }

    /// <summary><c>run.started</c>: <c>host</c> and <c>pid</c> of the process that drives the run.</summary>
    public static string RunStarted(string host, int processId) => Write(w =>
    {
        w.WriteString("host", host);
        w.WriteNumber("pid", processId);
    });

    /// <summary><c>run.ended</c>: nothing beyond the event's status.</summary>
    public static string RunEnded() => "{}";

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
