using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Reading;

/// <summary>API tokens, as the server's authentication and <c>baton token list</c> read them.</summary>
internal static class TokenQueries
{
    private const string Select = "SELECT id, name, scope, secret_hash, created_at, expires_at, revoked_at FROM api_tokens";

    public static IReadOnlyList<ApiToken> List(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Select + " ORDER BY id";
        return ReadTokens(command);
    }

    public static ApiToken? Find(SqliteConnection connection, string secretHash)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Select + " WHERE secret_hash = @hash";
        command.Parameters.AddWithValue("@hash", secretHash);
        return ReadTokens(command) is [var token] ? token : null;
    }

    public static ApiToken? Get(SqliteConnection connection, long tokenId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Select + " WHERE id = @id";
        command.Parameters.AddWithValue("@id", tokenId);
        return ReadTokens(command) is [var token] ? token : null;
    }

    private static List<ApiToken> ReadTokens(SqliteCommand command)
    {
        var tokens = new List<ApiToken>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
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
