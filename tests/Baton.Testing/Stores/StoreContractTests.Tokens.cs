using Baton.Core.Errors;
using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>API tokens (a hash of each secret, never the secret) and who submitted each run.</summary>
public abstract partial class StoreContractTests
{
    private static string Hash(char c) => new(c, 64);

    [Fact]
    public async Task Tokens_are_kept_with_their_scope_and_lifetime_and_found_by_their_hash_only()
    {
        await using var store = await OpenAsync();
        var alice = await store.CreateTokenAsync(new NewApiToken("alice", TokenScope.Submit, Hash('a'), T0, T0.AddDays(30)), Token);
        var ci = await store.CreateTokenAsync(new NewApiToken("ci", TokenScope.Read, Hash('b'), T0.AddMinutes(1), null), Token);

        Assert.Equal(new ApiToken(alice.Id, "alice", TokenScope.Submit, Hash('a'), T0, T0.AddDays(30), null), await store.FindTokenAsync(Hash('a'), Token));
        Assert.Equal(ci, await store.FindTokenAsync(Hash('b'), Token));
        Assert.Null(await store.FindTokenAsync(Hash('c'), Token));
        Assert.Equal([alice, ci], await store.ListTokensAsync(Token));
    }

    [Fact]
    public async Task A_revoked_token_stays_listed_with_when_it_was_revoked_and_its_name_can_be_used_again()
    {
        await using var store = await OpenAsync();
        var first = await store.CreateTokenAsync(new NewApiToken("alice", TokenScope.Admin, Hash('a'), T0, null), Token);

        var revoked = await store.RevokeTokenAsync(first.Id, T0.AddHours(1), Token);
        var again = await store.RevokeTokenAsync(first.Id, T0.AddHours(2), Token);
        var second = await store.CreateTokenAsync(new NewApiToken("alice", TokenScope.Read, Hash('b'), T0.AddHours(3), null), Token);

        Assert.Equal(first with { RevokedAt = T0.AddHours(1) }, revoked);
        Assert.Equal(T0.AddHours(1), again!.RevokedAt);
        Assert.False(revoked!.IsValidAt(T0.AddHours(1)));
        Assert.Equal(T0.AddHours(1), (await store.FindTokenAsync(Hash('a'), Token))!.RevokedAt);
        Assert.Equal([first.Id, second.Id], (await store.ListTokensAsync(Token)).Select(t => t.Id));
        Assert.Null(await store.RevokeTokenAsync(second.Id + 1000, T0, Token));
    }

    [Fact]
    public async Task Two_live_tokens_of_one_name_are_refused_and_nothing_is_written()
    {
        await using var store = await OpenAsync();
        await store.CreateTokenAsync(new NewApiToken("alice", TokenScope.Submit, Hash('a'), T0, null), Token);

        var error = await Assert.ThrowsAsync<BatonInputException>(async () =>
            await store.CreateTokenAsync(new NewApiToken("alice", TokenScope.Admin, Hash('b'), T0, null), Token));

        Assert.Contains("'alice' exists already", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.FindTokenAsync(Hash('b'), Token));
        Assert.Single(await store.ListTokensAsync(Token));
    }

    [Fact]
    public async Task An_expired_token_is_not_valid_from_its_expiry_on()
    {
        await using var store = await OpenAsync();
        var token = await store.CreateTokenAsync(new NewApiToken("temp", TokenScope.Read, Hash('a'), T0, T0.AddDays(1)), Token);

        Assert.True(token.IsValidAt(T0.AddDays(1).AddTicks(-1)));
        Assert.False(token.IsValidAt(T0.AddDays(1)));
    }

    [Fact]
    public async Task A_run_records_who_submitted_it()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var byAlice = await store.StartRunAsync(a.WorkflowId, "h", 1, "alice", T0, Token);
        await store.FinishRunAsync(byAlice, RunStatus.Done, T0.AddMinutes(1), Token);
        var unknown = await store.StartRunAsync(a.WorkflowId, "h", 2, T0.AddMinutes(2), Token);

        Assert.Equal("alice", (await store.GetRunAsync(byAlice, Token))!.SubmittedBy);
        Assert.Null((await store.GetRunAsync(unknown, Token))!.SubmittedBy);
        Assert.Equal([null, "alice"], (await store.ListRunsAsync("a", Token)).Select(r => r.SubmittedBy));
    }
}
