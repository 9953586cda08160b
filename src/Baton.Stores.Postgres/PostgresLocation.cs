using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Npgsql;

namespace Baton.Stores.Postgres;

/// <summary>
/// A PostgreSQL store named by a libpq-style URL: <c>postgresql://[user[:password]@][host][:port][/database][?key=value&amp;...]</c>.
/// What the URL leaves out comes from the standard places (PGHOST, PGPORT, PGUSER, PGDATABASE; the password from
/// PGPASSWORD, PGPASSFILE or ~/.pgpass), as for psql. <see cref="ToString"/> never shows a password.
/// </summary>
public sealed class PostgresLocation
{
    private static readonly string[] Schemes = ["postgresql://", "postgres://"];

    // The query keys accepted, libpq's names: anything else is a mistake worth reporting.
    private static readonly HashSet<string> QueryKeys = new(StringComparer.Ordinal)
    {
        "host", "port", "dbname", "user", "password", "passfile", "sslmode", "application_name", "connect_timeout",
        "target_session_attrs",
    };

    private PostgresLocation(NpgsqlConnectionStringBuilder builder, string display)
    {
        Builder = builder;
        Display = display;
    }

    /// <summary>The URL as a user may see it: without any password.</summary>
    public string Display { get; }

    /// <summary>Npgsql's settings for this location (the password, when the URL had one, is in it: never log it).</summary>
    internal NpgsqlConnectionStringBuilder Builder { get; }

    /// <summary>Whether <paramref name="text"/> names a PostgreSQL store (its scheme), valid or not.</summary>
    public static bool IsPostgres(string text) =>
        Schemes.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a store URL; a mistake is a one-line <see cref="BatonInputException"/> that shows no password.</summary>
    public static PostgresLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scheme = Schemes.FirstOrDefault(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase))
            ?? throw new BatonInputException($"'{Redact(text)}' is not a PostgreSQL URL: it must start with postgresql://");
        var rest = text[scheme.Length..];
        var builder = new NpgsqlConnectionStringBuilder();

        var query = "";
        var queryAt = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryAt >= 0)
        {
            query = rest[(queryAt + 1)..];
            rest = rest[..queryAt];
        }
        var path = "";
        var pathAt = rest.IndexOf('/', StringComparison.Ordinal);
        if (pathAt >= 0)
        {
            path = rest[(pathAt + 1)..];
            rest = rest[..pathAt];
        }
        var userAt = rest.LastIndexOf('@');
        if (userAt >= 0)
        {
            var userInfo = rest[..userAt];
            rest = rest[(userAt + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon >= 0 ? userInfo[..colon] : userInfo, text, "user name");
            if (user.Length > 0)
            {
                builder.Username = user;
            }
            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], text, "password");
            }
        }
        SetHostAndPort(builder, rest, text);
        if (path.Length > 0)
        {
            builder.Database = Decode(path, text, "database name");
        }
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals >= 0 ? pair[..equals] : pair, text, "parameter");
            var value = equals >= 0 ? Decode(pair[(equals + 1)..], text, $"value of '{key}'") : "";
            if (!QueryKeys.Contains(key))
            {
                throw new BatonInputException(
                    $"'{Redact(text)}': unknown parameter '{key}' (known: {string.Join(", ", QueryKeys.Order(StringComparer.Ordinal))})");
            }
            Set(builder, key, value, text);
        }
        return new PostgresLocation(builder, Redact(text));
    }

    private static void SetHostAndPort(NpgsqlConnectionStringBuilder builder, string hostPort, string text)
    {
        if (hostPort.Length == 0)
        {
            return;
        }
        string host;
        string? port = null;
        if (hostPort.StartsWith('['))
        {
            // [IPv6]:port
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new BatonInputException($"'{Redact(text)}': '[' without ']' in the host");
            }
            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                port = after.StartsWith(':') ? after[1..] : throw new BatonInputException($"'{Redact(text)}': unexpected '{after}' after the host");
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            port = colon >= 0 ? hostPort[(colon + 1)..] : null;
        }
        if (host.Length > 0)
        {
            // A socket directory is written percent-encoded: postgresql://%2Fvar%2Frun%2Fpostgresql/db.
            builder.Host = Decode(host, text, "host");
        }
        if (port is not null)
        {
            Set(builder, "port", port, text);
        }
    }

    private static void Set(NpgsqlConnectionStringBuilder builder, string key, string value, string text)
    {
        switch (key)
        {
            case "host":
                builder.Host = value;
                break;
            case "port":
                builder.Port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
                    ? port
                    : throw new BatonInputException($"'{Redact(text)}': the port '{value}' is not a number from 1 to 65535");
                break;
            case "dbname":
                builder.Database = value;
                break;
            case "user":
                builder.Username = value;
                break;
            case "password":
                builder.Password = value;
                break;
            case "passfile":
                builder.Passfile = value;
                break;
            case "application_name":
                builder.ApplicationName = value;
                break;
            case "connect_timeout":
                builder.Timeout = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? seconds
                    : throw new BatonInputException($"'{Redact(text)}': connect_timeout '{value}' is not a whole number of seconds");
                break;
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new BatonInputException(
                        $"'{Redact(text)}': sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            case "target_session_attrs":
                builder.TargetSessionAttributes = value;
                break;
        }
    }

    private static string Decode(string part, string text, string what)
    {
        try
        {
            return Uri.UnescapeDataString(part);
        }
        catch (UriFormatException)
        {
            throw new BatonInputException($"'{Redact(text)}': the {what} is not valid percent-encoding");
        }
    }

    /// <summary>The text with any password (in the user part or a password= parameter) replaced by ***.</summary>
    public static string Redact(string text) => StoreLocation.Redact(text);

    public override string ToString() => Display;
}
