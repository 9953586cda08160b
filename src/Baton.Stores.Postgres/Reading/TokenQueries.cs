using Baton.Core.Stores;
using Baton.Stores.Postgres.Columns;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Stores.Postgres.Reading;

/// <summary>API tokens, as the server's authentication and <c>baton token list</c> read them.</summary>
internal static class TokenQueries
{
    private const string Select = "SELECT id, name, scope, secret_hash, created_at, expires_at, revoked_at FROM api_tokens";

    public static async Task<IReadOnlyList<ApiToken>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Select + " ORDER BY id", connection);
        return await ReadTokensAsync(command, cancellationToken);
    }

    public static async Task<ApiToken?> FindAsync(NpgsqlConnection connection, string secretHash, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Select + " WHERE secret_hash = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = secretHash, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadTokensAsync(command, cancellationToken) is [var token] ? token : null;
    }

    public static async Task<ApiToken?> GetAsync(NpgsqlConnection connection, long tokenId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Select + " WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tokenId, NpgsqlDbType = NpgsqlDbType.Bigint });
        return await ReadTokensAsync(command, cancellationToken) is [var token] ? token : null;
    }

    private static async Task<List<ApiToken>> ReadTokensAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tokens = new List<ApiToken>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var scope = reader.GetString(2);
            tokens.Add(new ApiToken(
                reader.GetInt64(0),
                reader.GetString(1),
                TokenScopeWords.TryParse(scope, out var s) ? s : throw new InvalidDataException($"the store holds an unknown token scope '{scope}'"),
                reader.GetString(3),
                StoreTime.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : StoreTime.Parse(reader.GetString(5)),
                reader.IsDBNull(6) ? null : StoreTime.Parse(reader.GetString(6))));
        }
        return tokens;
    }
}
