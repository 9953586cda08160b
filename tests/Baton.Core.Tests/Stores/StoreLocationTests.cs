using Baton.Core.Errors;
using Baton.Core.Stores;

namespace Baton.Core.Tests.Stores;

/// <summary>Which store a workspace uses: --store, then BATON_STORE, then settings.yaml, then its own SQLite file.</summary>
public sealed class StoreLocationTests
{
    private const string Default = "/ws/baton.db";

    [Fact]
    public void Nothing_given_is_the_workspaces_own_sqlite_file()
    {
        Assert.Equal(new StoreLocation(StoreKind.Sqlite, Default), StoreLocation.Resolve(null, "", "  ", Default, "/ws"));
    }

    [Fact]
    public void The_option_wins_over_the_environment_which_wins_over_settings()
    {
        const string Pg = "postgresql://ada@db/team";

        Assert.Equal(StoreKind.Postgres, StoreLocation.Resolve(Pg, "sqlite://a.db", "sqlite://b.db", Default, "/ws").Kind);
        Assert.Equal("/ws/a.db", StoreLocation.Resolve(null, "sqlite://a.db", Pg, Default, "/ws").Text);
        Assert.Equal(Pg, StoreLocation.Resolve(null, null, Pg, Default, "/ws").Text);
    }

    [Fact]
    public void A_plain_path_is_a_sqlite_file_relative_to_the_base_directory()
    {
        Assert.Equal(new StoreLocation(StoreKind.Sqlite, "/ws/state/baton.db"), StoreLocation.Parse("state/baton.db", "/ws", "--store"));
        Assert.Equal(new StoreLocation(StoreKind.Sqlite, "/abs.db"), StoreLocation.Parse("sqlite:///abs.db", "/ws", "--store"));
    }

    [Fact]
    public void An_unknown_scheme_is_one_line_naming_where_it_came_from_without_the_password()
    {
        var error = Assert.Throws<BatonInputException>(() => StoreLocation.Resolve(null, "mysql://ada:pw-1234@db/team", null, Default, "/ws"));

        Assert.StartsWith("BATON_STORE: 'mysql://ada:***@db/team' is not a store Baton knows", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-1234", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_postgres_location_prints_without_its_password()
    {
        var location = StoreLocation.Parse("postgresql://ada:pw-1234@db/team?password=pw-1234", "/ws", "--store");

        Assert.Equal("postgresql://ada:***@db/team?password=***", location.ToString());
    }
}
