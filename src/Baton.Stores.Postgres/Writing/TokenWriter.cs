using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Baton.Stores.Postgres.Connections;
using Baton.Stores.Postgres.Reading;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Writing;

/// <summary>Records and revokes API tokens: rare writes, one statement each.</summary>
internal static class TokenWriter
{
    public static async Task<ApiToken> CreateAsync(NpgsqlConnection connection, NewApiToken token, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO api_tokens (name, scope, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, connection)
            .With(token.Name, NpgsqlDbType.Text)
            .With(token.Scope.ToWord(), NpgsqlDbType.Text)
            .With(token.SecretHash, NpgsqlDbType.Text)
            .With(StoreTime.ToText(token.CreatedAt), NpgsqlDbType.Text)
            .With(token.ExpiresAt is { } expires ? StoreTime.ToText(expires) : null, NpgsqlDbType.Text);
        try
        {
            var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            return new ApiToken(id, token.Name, token.Scope, token.SecretHash, token.CreatedAt, token.ExpiresAt, null);
        }
        catch (PostgresException exception) when (exception.SqlState == StoreErrors.UniqueViolation)
        {
            throw new BatonInputException($"a token named '{QuotedText.Shorten(QuotedText.Escape(token.Name))}' exists already: revoke it first, or choose another name", exception);
        }
    }

    public static async Task<ApiToken?> RevokeAsync(NpgsqlConnection connection, long tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2", connection)
            .With(StoreTime.ToText(now), NpgsqlDbType.Text)
            .With(tokenId, NpgsqlDbType.Bigint);
        await update.ExecuteNonQueryAsync(cancellationToken);
        return await TokenQueries.GetAsync(connection, tokenId, cancellationToken);
    }
}
