using System.Text.Json.Serialization;

namespace Baton.Stores.Sqlite.Columns;

/// <summary>Source-generated JSON for the few shapes the store serializes whole.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(long[]))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
