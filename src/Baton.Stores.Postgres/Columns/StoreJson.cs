using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Baton.Stores.Postgres.Columns;

/// <summary>Tags (a JSON array), attributes and workflow args (JSON objects) as stored in text columns.</summary>
internal static class StoreJson
{
    public const string EmptyArray = "[]";
    public const string EmptyObject = "{}";

    // Non-ASCII and '<' stay as written, so that the psql shows what the user typed.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Array(IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return EmptyArray;
        }
        if (items.All(IsPlain))
        {
            // Registration writes one of these per task: skip the JSON writer when nothing needs escaping.
            var text = new StringBuilder(2 + items.Sum(i => i.Length + 3));
            text.Append('[');
            for (var i = 0; i < items.Count; i++)
            {
                text.Append(i == 0 ? "\"" : ",\"").Append(items[i]).Append('"');
            }
            return text.Append(']').ToString();
        }
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartArray();
            foreach (var item in items)
            {
                json.WriteStringValue(item);
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An object with its keys in ordinal order: the same map always gives the same text (and hash).</summary>
    public static string Object(IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0)
        {
            return EmptyObject;
        }
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            foreach (var (key, value) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Printable ASCII that JSON takes as it is (no quote, no backslash).</summary>
    private static bool IsPlain(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~' or '"' or '\\')
            {
                return false;
            }
        }
        return true;
    }

    public static IReadOnlyList<string> ParseArray(string text)
    {
        if (text == EmptyArray)
        {
            return [];
        }
        using var document = JsonDocument.Parse(text);
        var items = new string[document.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            items[i++] = element.GetString() ?? "";
        }
        return items;
    }

    public static IReadOnlyDictionary<string, string> ParseObject(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (text == EmptyObject)
        {
            return map;
        }
        using var document = JsonDocument.Parse(text);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            map[property.Name] = property.Value.GetString() ?? "";
        }
        return map;
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
