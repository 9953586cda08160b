using System.Diagnostics;
using Baton.Testing;
using Baton.Testing.Executors;
using static Baton.Executors.Local.Tests.TestSupport;

namespace Baton.Executors.Local.Tests;

public sealed class ProcessIdentityTests : IDisposable
{
    private readonly TempDirectory _temp = new("baton-identity-");

    [Fact]
    public void This_process_has_an_identity_and_is_alive()
    {
        var self = ProcessIdentity.Of(Environment.ProcessId);

        Assert.NotNull(self);
        Assert.True(self.Value.StartTime > 0);
        Assert.True(self.Value.IsAlive());
        Assert.Equal(self.Value.StartTime, ProcessIdentity.TryGetStartTime(Environment.ProcessId));
    }

    [Fact]
    public void The_same_pid_with_another_start_time_is_another_process()
    {
        var self = ProcessIdentity.Of(Environment.ProcessId)!.Value;

        Assert.False((self with { StartTime = self.StartTime + 1 }).IsAlive());
    }

    [Fact]
    public void A_pid_that_does_not_exist_has_no_identity()
    {
        Assert.Null(ProcessIdentity.Of(int.MaxValue));
        Assert.Null(ProcessIdentity.TryGetStartTime(-1));
        Assert.False(new ProcessIdentity(int.MaxValue, 1).IsAlive());
    }

    [Fact]
    public async Task A_process_that_ended_is_not_alive()
    {
        using var process = Process.Start("/bin/sleep", "600");
        var identity = ProcessIdentity.Of(process.Id)!.Value;
        Assert.True(identity.IsAlive());

        process.Kill();
        await process.WaitForExitAsync(Ct);

        Assert.False(identity.IsAlive());
    }

    [Fact]
    public async Task A_zombie_is_not_alive()
    {
        // The background sleep's parent becomes the exec'd long sleep, which never reaps it: a zombie.
        var zpid = Path.Combine(_temp.Path, "zombie.pid");
        using var parent = Process.Start("/bin/sh", ["-c", "sleep 0 & echo $! > \"$1\"; exec sleep 600", "sh", zpid]);
        try
        {
            var zombie = await Eventually.ReadLineFileAsync(zpid, Generous, Ct);
            var pid = int.Parse(zombie, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(await Eventually.WaitUntilAsync(
                () => ProcessIdentity.TryReadStat(pid, out var stat) && stat.State == 'Z', Generous, Ct), "no zombie appeared");

            Assert.NotNull(ProcessIdentity.Of(pid));
            Assert.False(ProcessIdentity.Of(pid)!.Value.IsAlive());
        }
        finally
        {
            parent.Kill();
            await parent.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task A_command_name_with_spaces_and_parentheses_is_parsed()
    {
        var odd = Path.Combine(_temp.Path, "a ) b (c");
        ExecutableFiles.Copy("/bin/sleep", odd);
        using var process = Process.Start(odd, "600");
        try
        {
            Assert.True(ProcessIdentity.TryReadStat(process.Id, out var stat));
            Assert.Equal(ProcessIdentity.Of(process.Id)!.Value.StartTime, stat.StartTime);
            Assert.True(ProcessIdentity.Of(process.Id)!.Value.IsAlive());
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(Ct);
        }
    }

    [Theory]
    [InlineData("1234 (a ) b) S 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0", 'S', 77, 98765L)]
    [InlineData("5 (sh) Z 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0", 'Z', 5, 42L)]
    public void Stat_lines_are_parsed_from_the_last_parenthesis(string line, char state, int group, long start)
    {
        Assert.True(ProcessIdentity.TryParseStat(line, out var stat));
        Assert.Equal(new ProcessIdentity.StatFields(state, group, start), stat);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234 (x")]
    [InlineData("1234 (x) S 1 2")]
    [InlineData("1 (x) S 1 notanumber 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42")]
    public void Garbled_stat_lines_are_rejected(string line)
    {
        Assert.False(ProcessIdentity.TryParseStat(line, out _));
    }

    public void Dispose() => _temp.Dispose();
}
