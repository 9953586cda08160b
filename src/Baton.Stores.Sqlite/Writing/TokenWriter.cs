using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Baton.Stores.Sqlite.Connections;
using Baton.Stores.Sqlite.Reading;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Records and revokes API tokens: rare writes, one statement each.</summary>
internal static class TokenWriter
{
    public static ApiToken Create(SqliteConnection connection, NewApiToken token)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO api_tokens (name, scope, secret_hash, created_at, expires_at)
            VALUES (@name, @scope, @hash, @created_at, @expires_at)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("@name", token.Name);
        insert.Parameters.AddWithValue("@scope", token.Scope.ToWord());
        insert.Parameters.AddWithValue("@hash", token.SecretHash);
        insert.Parameters.AddWithValue("@created_at", StoreTime.ToText(token.CreatedAt));
        insert.Parameters.AddWithValue("@expires_at", token.ExpiresAt is { } expires ? StoreTime.ToText(expires) : DBNull.Value);
        try
        {
            var id = (long)insert.ExecuteScalar()!;
            return new ApiToken(id, token.Name, token.Scope, token.SecretHash, token.CreatedAt, token.ExpiresAt, null);
        }
        catch (SqliteException exception) when (StoreErrors.IsConstraint(exception))
        {
            throw new BatonInputException($"a token named '{QuotedText.Shorten(QuotedText.Escape(token.Name))}' exists already: revoke it first, or choose another name", exception);
        }
    }

    public static ApiToken? Revoke(SqliteConnection connection, long tokenId, DateTimeOffset now)
    {
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id";
        update.Parameters.AddWithValue("@now", StoreTime.ToText(now));
        update.Parameters.AddWithValue("@id", tokenId);
        update.ExecuteNonQuery();
        return TokenQueries.Get(connection, tokenId);
    }
}
