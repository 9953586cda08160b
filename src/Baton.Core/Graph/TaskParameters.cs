using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Baton.Core.Graph;

/// <summary>
/// The human-readable <c>params.json</c> of a task: what defines it (template, command, arguments by role, the
/// identities it reads from) and its identity. Written into the task directory and kept in the store for
/// <c>baton show</c>.
/// </summary>
public static class TaskParameters
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Arguments are shown as written (quotes, '<', non-ASCII), not as \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(WorkflowGraph graph, int index)
    {
        var task = graph.Tasks[index];
        var template = task.Template;
        // Called once per task when a workflow is registered: the bytes go to a pooled buffer rather than a new
        // stream and the writer's own 4 KB buffer, so that only the result string is allocated per task.
        using var buffer = new PooledBufferWriter(1024);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("identity", task.Identity.Hex);
            json.WriteString("name", task.Name);
            json.WriteString("workflow", graph.Name);
            json.WriteString("template", template.Name);
            json.WriteString("command", template.Command.Text);
            WriteArgs(json, "node_args", template.NodeArgs, task.Command.Arguments);
            WriteArgs(json, "task_args", template.TaskArgs, task.Command.Arguments);
            WriteArgs(json, "op_args", template.OpArgs, task.Command.Arguments);
            json.WriteStartArray("inputs");
            foreach (var name in task.Command.DirectoryReferences)
            {
                if (graph.TryGetIndex(name, out var input))
                {
                    json.WriteStartObject();
                    json.WriteString("name", name);
                    json.WriteString("identity", graph.Tasks[input].Identity.Hex);
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteArgs(Utf8JsonWriter json, string name, IReadOnlyList<string> names, IReadOnlyDictionary<string, string> values)
    {
        json.WriteStartObject(name);
        foreach (var arg in names)
        {
            json.WriteString(arg, values[arg]);
        }
        json.WriteEndObject();
    }
}
