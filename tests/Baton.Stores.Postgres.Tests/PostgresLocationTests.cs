using Baton.Core.Errors;
using Npgsql;

namespace Baton.Stores.Postgres.Tests;

/// <summary>Store URLs as users write them: what they connect to, and errors that never show a password.</summary>
public sealed class PostgresLocationTests
{
    [Fact]
    public void A_full_url_sets_user_host_port_database_and_parameters()
    {
        var location = PostgresLocation.Parse("postgresql://ada@db.example.org:6543/baton?sslmode=require&application_name=node-1&connect_timeout=7");

        Assert.Equal("ada", location.Builder.Username);
        Assert.Equal("db.example.org", location.Builder.Host);
        Assert.Equal(6543, location.Builder.Port);
        Assert.Equal("baton", location.Builder.Database);
        Assert.Equal(SslMode.Require, location.Builder.SslMode);
        Assert.Equal("node-1", location.Builder.ApplicationName);
        Assert.Equal(7, location.Builder.Timeout);
        Assert.Null(location.Builder.Password);
    }

    [Fact]
    public void A_socket_directory_an_ipv6_host_and_the_short_scheme_are_understood()
    {
        var socket = PostgresLocation.Parse("postgres://%2Fvar%2Frun%2Fpostgresql/team");
        var ipv6 = PostgresLocation.Parse("postgresql://[::1]:5433/team");
        var byQuery = PostgresLocation.Parse("postgresql:///team?host=/tmp/pg&user=bob&passfile=/home/bob/.pgpass");

        Assert.Equal("/var/run/postgresql", socket.Builder.Host);
        Assert.Equal("team", socket.Builder.Database);
        Assert.Equal("::1", ipv6.Builder.Host);
        Assert.Equal(5433, ipv6.Builder.Port);
        Assert.Equal("/tmp/pg", byQuery.Builder.Host);
        Assert.Equal("bob", byQuery.Builder.Username);
        Assert.Equal("/home/bob/.pgpass", byQuery.Builder.Passfile);
    }

    [Fact]
    public void A_password_in_the_url_is_used_but_never_shown()
    {
        var inUser = PostgresLocation.Parse("postgresql://ada:s3cr%40t@db/baton");
        var inQuery = PostgresLocation.Parse("postgresql://ada@db/baton?password=hunter2&sslmode=disable");

        Assert.Equal("s3cr@t", inUser.Builder.Password);
        Assert.Equal("hunter2", inQuery.Builder.Password);
        Assert.Equal("postgresql://ada:***@db/baton", inUser.ToString());
        Assert.Equal("postgresql://ada@db/baton?password=***&sslmode=disable", inQuery.Display);
    }

    [Theory]
    [InlineData("postgresql://ada:pw1234@db:99999/baton", "port '99999'")]
    [InlineData("postgresql://ada:pw1234@db/baton?color=blue", "unknown parameter 'color'")]
    [InlineData("postgresql://ada:pw1234@db/baton?sslmode=always", "sslmode 'always'")]
    [InlineData("postgresql://ada:pw1234@[::1/baton", "'[' without ']'")]
    [InlineData("mysql://ada:pw1234@db/baton", "not a PostgreSQL URL")]
    public void A_mistake_is_one_line_that_names_it_without_the_password(string url, string expected)
    {
        var error = Assert.Throws<BatonInputException>(() => PostgresLocation.Parse(url));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw1234", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
