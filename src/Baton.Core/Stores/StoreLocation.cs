using Baton.Core.Errors;

namespace Baton.Core.Stores;

/// <summary>Which kind of store a location names.</summary>
public enum StoreKind
{
    /// <summary>A SQLite file (the embedded default: <c>&lt;workspace&gt;/baton.db</c>).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (a team's shared server).</summary>
    Postgres,
}

/// <summary>
/// Where a workspace's state lives, chosen (first given wins) by <c>--store</c>, <c>BATON_STORE</c>, <c>store:</c> in
/// the workspace's settings.yaml, else the workspace's own SQLite file. Accepted forms: <c>sqlite://PATH</c> (or a
/// plain path) and <c>postgresql://[user@]host[:port]/database</c>. Only which store and where; opening it is the
/// store's business. <see cref="ToString"/> never shows a password.
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string Text)
{
    public const string EnvironmentVariable = "BATON_STORE";

    private const string SqliteScheme = "sqlite://";
    private static readonly string[] PostgresSchemes = ["postgresql://", "postgres://"];

    /// <summary>The first location given, else the workspace's SQLite file.</summary>
    /// <param name="option">The <c>--store</c> value, if any.</param>
    /// <param name="environment">The <c>BATON_STORE</c> value, if any.</param>
    /// <param name="settings">The <c>store:</c> value of settings.yaml, if any.</param>
    /// <param name="defaultSqliteFile">The workspace's own store file.</param>
    /// <param name="baseDirectory">What a relative SQLite path is relative to.</param>
    public static StoreLocation Resolve(string? option, string? environment, string? settings, string defaultSqliteFile, string baseDirectory)
    {
        foreach (var (text, source) in new[] { (option, "--store"), (environment, EnvironmentVariable), (settings, "store: in settings.yaml") })
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                return Parse(text.Trim(), baseDirectory, source);
            }
        }
        return new StoreLocation(StoreKind.Sqlite, defaultSqliteFile);
    }

    /// <summary>Parses one location; <paramref name="source"/> names where it came from in an error.</summary>
    public static StoreLocation Parse(string text, string baseDirectory, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (PostgresSchemes.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase)))
        {
            return new StoreLocation(StoreKind.Postgres, text);
        }
        if (text.StartsWith(SqliteScheme, StringComparison.OrdinalIgnoreCase))
        {
            var path = text[SqliteScheme.Length..];
            return path.Length > 0
                ? new StoreLocation(StoreKind.Sqlite, Path.GetFullPath(path, baseDirectory))
                : throw new BatonInputException($"{source}: 'sqlite://' names no file (write sqlite://PATH)");
        }
        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw new BatonInputException(
                $"{source}: '{Redact(text)}' is not a store Baton knows (use sqlite://PATH or postgresql://USER@HOST/DATABASE)");
        }
        return new StoreLocation(StoreKind.Sqlite, Path.GetFullPath(text, baseDirectory));
    }

    /// <summary>A URL's <c>user:password@</c> shown as <c>user:***@</c>; a password= parameter as <c>password=***</c>.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = text.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }
        start += 3;
        var end = text.IndexOfAny(['/', '?'], start);
        var authority = end < 0 ? text[start..] : text[start..end];
        var at = authority.LastIndexOf('@');
        var colon = authority.IndexOf(':', StringComparison.Ordinal);
        var redacted = at >= 0 && colon >= 0 && colon < at
            ? text[..(start + colon + 1)] + "***" + text[(start + at)..]
            : text;
        var query = redacted.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return redacted;
        }
        var pairs = redacted[(query + 1)..].Split('&')
            .Select(p => p.StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p);
        return redacted[..(query + 1)] + string.Join('&', pairs);
    }

    public override string ToString() => Kind == StoreKind.Postgres ? Redact(Text) : Text;
}
