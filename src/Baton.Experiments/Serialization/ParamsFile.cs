using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Baton.Core.Identity;
using Baton.Experiments.Configs;
using Baton.Experiments.Experiments;
using Baton.Experiments.Identity;

namespace Baton.Experiments.Serialization;

/// <summary>What params.json says about a typed task besides its object graph.</summary>
internal sealed record TaskHeader(
    TaskIdentity Identity,
    string Name,
    string Workflow,
    string Workspace,
    string TaskDirectory,
    bool Resumable,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>A task rebuilt from params.json in the task process.</summary>
internal sealed record LoadedTask(TaskHeader Header, TaskConfig Task);

/// <summary>
/// The params.json of a typed task: a header (identity, names, tags, environment from submit hooks) and the object
/// graph — every configuration reachable from the task once, by id, with its class, parameters, the task it is an
/// output of and its init tasks. The task process rebuilds the graph from it and checks that the identity computed
/// from the classes it has now is the one recorded.
/// </summary>
internal static class ParamsFile
{
    public const string Format = "baton.typed-task/1";

    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(TaskHeader header, TaskConfig task, ConfigModels models)
    {
        var ids = new Dictionary<Config, int>(ReferenceEqualityComparer.Instance);
        var order = new List<Config>();
        void Visit(Config c)
        {
            if (ids.ContainsKey(c))
            {
                return;
            }
            ids.Add(c, order.Count);
            order.Add(c);
            foreach (var child in models.Children(c))
            {
                Visit(child);
            }
        }
        Visit(task);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("identity", header.Identity.Hex);
            json.WriteString("name", header.Name);
            json.WriteString("workflow", header.Workflow);
            json.WriteString("workspace", header.Workspace);
            json.WriteString("task_directory", header.TaskDirectory);
            json.WriteBoolean("resumable", header.Resumable);
            json.WriteStartObject("tags");
            foreach (var (k, v) in header.Tags)
            {
                json.WriteString(k, v);
            }
            json.WriteEndObject();
            json.WriteStartObject("environment");
            foreach (var (k, v) in header.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                json.WriteString(k, v);
            }
            json.WriteEndObject();
            json.WriteStartArray("objects");
            foreach (var config in order)
            {
                var model = models.For(config.GetType());
                json.WriteStartObject();
                json.WriteNumber("id", ids[config]);
                json.WriteString("type", model.Id);
                json.WriteString("class", $"{model.Type.FullName}, {model.Type.Assembly.GetName().Name}");
                if (config.Producer is { } producer && !ReferenceEquals(producer.Task, config))
                {
                    json.WriteString("output_of", producer.Identity.Hex);
                }
                if (config.InitTasks.Count > 0)
                {
                    json.WriteStartArray("init_tasks");
                    foreach (var init in config.InitTasks)
                    {
                        json.WriteNumberValue(ids[init]);
                    }
                    json.WriteEndArray();
                }
                json.WriteStartObject("parameters");
                foreach (var p in model.Parameters)
                {
                    json.WritePropertyName(p.Name);
                    WriteValue(json, p.Get(config), p.Shape, ids);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter json, object? value, ValueShape shape, Dictionary<Config, int> ids)
    {
        if (value is null)
        {
            json.WriteNullValue();
            return;
        }
        switch (shape.Kind)
        {
            case ShapeKind.Bool:
                json.WriteBooleanValue((bool)value);
                break;
            case ShapeKind.Integer:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ShapeKind.Float:
                json.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case ShapeKind.String:
                json.WriteStringValue((string)value);
                break;
            case ShapeKind.Enum:
                json.WriteStringValue(value.ToString());
                break;
            case ShapeKind.Path:
                json.WriteStringValue(((FileSystemInfo)value).FullName);
                break;
            case ShapeKind.Config:
                json.WriteStartObject();
                json.WriteNumber("$config", ids[(Config)value]);
                json.WriteEndObject();
                break;
            case ShapeKind.List or ShapeKind.Set:
                json.WriteStartArray();
                foreach (var item in (IEnumerable)value)
                {
                    WriteValue(json, item, shape.Element!, ids);
                }
                json.WriteEndArray();
                break;
            case ShapeKind.Dictionary:
                // Keys need not be strings: a list of [key, value] pairs.
                json.WriteStartArray();
                foreach (var (k, v) in ConfigIdentity.DictionaryEntries(value))
                {
                    json.WriteStartArray();
                    WriteValue(json, k, shape.Key!, ids);
                    WriteValue(json, v, shape.Element!, ids);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                break;
        }
    }

    /// <summary>
    /// Rebuilds a task from params.json. Throws <see cref="ConfigException"/> when the file no longer matches the
    /// classes: a class or parameter that is gone, a value of the wrong kind, or an identity that differs.
    /// </summary>
    public static LoadedTask Read(string path, ConfigModels models)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{path}: not valid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("format", out var format) || format.GetString() != Format)
            {
                throw new ConfigException($"{path}: not the params.json of a typed task (format {Format})");
            }
            var objects = root.GetProperty("objects");
            var configs = new Config[objects.GetArrayLength()];
            var index = 0;
            foreach (var o in objects.EnumerateArray())
            {
                var className = o.GetProperty("class").GetString()!;
                var type = Type.GetType(className, throwOnError: false)
                    ?? throw new ConfigException($"{path}: class '{className}' no longer exists in this program (renamed or moved?)");
                _ = models.For(type); // checks the class is still a valid configuration
                configs[index++] = (Config)Activator.CreateInstance(type, nonPublic: true)!;
                if (o.TryGetProperty("output_of", out var producer))
                {
                    configs[index - 1].Producer = new Submission(new TaskIdentity(producer.GetString()!), null, -1);
                }
            }
            index = 0;
            foreach (var o in objects.EnumerateArray())
            {
                var config = configs[index++];
                var model = models.For(config.GetType());
                var present = new HashSet<string>(StringComparer.Ordinal);
                foreach (var field in o.GetProperty("parameters").EnumerateObject())
                {
                    var parameter = model.Find(field.Name)
                        ?? throw new ConfigException($"{path}: class {model.Type.FullName} has no parameter '{field.Name}' any more (renamed or removed?)");
                    present.Add(field.Name);
                    if (parameter.Kind == ParameterKind.Constant)
                    {
                        continue;
                    }
                    var where = $"{path}: {model.Type.FullName}.{parameter.Property.Name}";
                    parameter.Property.SetValue(config, ReadValue(field.Value, parameter.Shape, configs, where));
                }
                foreach (var parameter in model.Parameters)
                {
                    if (parameter.Required && !present.Contains(parameter.Name))
                    {
                        throw new ConfigException($"{path}: {model.Type.FullName}.{parameter.Property.Name}: required parameter is missing");
                    }
                }
                if (o.TryGetProperty("init_tasks", out var inits))
                {
                    config.InitTasks = [.. inits.EnumerateArray().Select(i => configs[i.GetInt32()] as InitTask
                        ?? throw new ConfigException($"{path}: init task {i} of {model.Type.FullName} is not an InitTask"))];
                }
            }
            var task = configs[0] as TaskConfig
                ?? throw new ConfigException($"{path}: the first object, {configs[0].GetType().FullName}, is not a TaskConfig");
            var identity = new TaskIdentity(root.GetProperty("identity").GetString()!);
            var header = new TaskHeader(
                identity,
                root.GetProperty("name").GetString()!,
                root.GetProperty("workflow").GetString()!,
                root.GetProperty("workspace").GetString()!,
                root.GetProperty("task_directory").GetString()!,
                root.GetProperty("resumable").GetBoolean(),
                [.. root.GetProperty("tags").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!))],
                root.GetProperty("environment").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal));
            // Marks the task as its own output, as at submit, so that it hashes exactly as it did then.
            task.Producer = new Submission(identity, task, -1);
            var now = new ConfigIdentity(models).Compute(task);
            if (now != identity)
            {
                throw new ConfigException(
                    $"{path}: class {task.GetType().FullName} no longer matches this task: its identity is now {now.ShortHex}, not {identity.ShortHex} (a parameter, default or constant changed since it was submitted)");
            }
            return new LoadedTask(header, task);
        }
    }

    private static object? ReadValue(JsonElement element, ValueShape shape, Config[] configs, string where)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        try
        {
            switch (shape.Kind)
            {
                case ShapeKind.Bool:
                    return element.GetBoolean();
                case ShapeKind.Integer:
                    return Convert.ChangeType(element.GetInt64(), Nullable.GetUnderlyingType(shape.Type) ?? shape.Type, CultureInfo.InvariantCulture);
                case ShapeKind.Float:
                    return (Nullable.GetUnderlyingType(shape.Type) ?? shape.Type) == typeof(float) ? (object)element.GetSingle() : element.GetDouble();
                case ShapeKind.String:
                    return element.GetString();
                case ShapeKind.Enum:
                {
                    var enumType = Nullable.GetUnderlyingType(shape.Type) ?? shape.Type;
                    return Enum.TryParse(enumType, element.GetString(), out var parsed)
                        ? parsed
                        : throw new ConfigException($"{where}: {enumType.Name} has no member '{element.GetString()}' any more");
                }
                case ShapeKind.Path:
                    return shape.Type == typeof(FileInfo) ? new FileInfo(element.GetString()!) : new DirectoryInfo(element.GetString()!);
                case ShapeKind.Config:
                {
                    var config = configs[element.GetProperty("$config").GetInt32()];
                    return shape.Type.IsInstanceOfType(config)
                        ? config
                        : throw new ConfigException($"{where}: a {config.GetType().Name} is not a {shape.Type.Name}");
                }
                case ShapeKind.List or ShapeKind.Set:
                {
                    var items = element.EnumerateArray().Select(e => ReadValue(e, shape.Element!, configs, where)).ToList();
                    if (shape.Type.IsArray)
                    {
                        var array = Array.CreateInstance(shape.Type.GetElementType()!, items.Count);
                        for (var i = 0; i < items.Count; i++)
                        {
                            array.SetValue(items[i], i);
                        }
                        return array;
                    }
                    var collectionType = shape.Kind == ShapeKind.Set
                        ? typeof(HashSet<>).MakeGenericType(shape.Type.GetGenericArguments()[0])
                        : typeof(List<>).MakeGenericType(shape.Type.GetGenericArguments()[0]);
                    var collection = Activator.CreateInstance(collectionType)!;
                    var add = collectionType.GetMethod("Add")!;
                    foreach (var item in items)
                    {
                        add.Invoke(collection, [item]);
                    }
                    return collection;
                }
                case ShapeKind.Dictionary:
                {
                    var args = shape.Type.GetGenericArguments();
                    var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
                    foreach (var pair in element.EnumerateArray())
                    {
                        dictionary.Add(ReadValue(pair[0], shape.Key!, configs, where)!, ReadValue(pair[1], shape.Element!, configs, where));
                    }
                    return dictionary;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new ConfigException($"{where}: the recorded value {element.GetRawText()} does not fit a {shape.Type.Name}", ex);
        }
        throw new ConfigException($"{where}: cannot read a {shape.Type.Name}");
    }
}
