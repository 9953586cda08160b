using System.Globalization;

namespace Baton.Stores.Postgres.Columns;

/// <summary>
/// Times as ISO-8601 UTC text with seven fractional digits: fixed width, so comparing the text compares the
/// times, readable in the psql, and exact to the tick so a value read back equals the value written.
/// </summary>
internal static class StoreTime
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string ToText(DateTimeOffset time) =>
        time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Utc));
}
