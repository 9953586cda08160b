using Baton.Core.Lifecycle;
using Baton.Testing;

namespace Baton.Executors.Local.Tests;

public sealed class ExitRecordTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddSeconds(7);

    private readonly TempDirectory _temp = new("baton-exit-");

    private string Write(string text)
    {
        var path = _temp.Combine("exit.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("{\"exit_code\":0}\n", AttemptOutcome.Succeeded, 0)]
    [InlineData("{\"exit_code\":3}\n", AttemptOutcome.Failed, 3)]
    [InlineData("{\"exit_code\":137}", AttemptOutcome.Failed, 137)]
    [InlineData("{\"outcome\":\"killed\",\"exit_code\":null,\"signal\":15}", AttemptOutcome.Killed, null)]
    [InlineData("{\"outcome\":\"timed_out\",\"exit_code\":null,\"signal\":9,\"ended_at\":\"2026-01-02T03:04:12+00:00\"}", AttemptOutcome.TimedOut, null)]
    [InlineData("{\"outcome\":\"lost\",\"exit_code\":null,\"message\":\"gone\"}", AttemptOutcome.Lost, null)]
    public void A_record_reads_as_its_attempt_result(string json, AttemptOutcome outcome, int? exitCode)
    {
        Assert.True(ExitRecords.TryRead(Write(json), out var record, out var error), error);

        var result = record!.ToResult(Start, End);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(Start, result.StartedAt);
        Assert.Equal(End, result.EndedAt);
    }

    [Fact]
    public void A_signal_exit_code_is_explained()
    {
        Assert.Equal("exit code 137: killed by signal 9 (SIGKILL)", ExitRecord.DescribeExitCode(137));
        Assert.Equal("exit code 143: killed by signal 15 (SIGTERM)", ExitRecord.DescribeExitCode(143));
        Assert.Equal("exit code 2", ExitRecord.DescribeExitCode(2));
        Assert.Equal("exit code 255", ExitRecord.DescribeExitCode(255));
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"exit_co", "not valid JSON")]
    [InlineData("{}", "neither")]
    [InlineData("{\"exit_code\":null}", "neither")]
    [InlineData("{\"outcome\":\"exploded\",\"exit_code\":null}", "unknown outcome")]
    [InlineData("[1,2]", "not valid JSON")]
    public void A_garbled_record_is_reported(string json, string why)
    {
        Assert.False(ExitRecords.TryRead(Write(json), out var record, out var error));
        Assert.Null(record);
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_record_is_reported_as_missing()
    {
        Assert.False(ExitRecords.TryRead(_temp.Combine("nothing.json"), out _, out var error));
        Assert.Equal("missing", error);
    }

    [Fact]
    public void An_executor_record_is_written_atomically_and_reads_back()
    {
        var path = _temp.Combine("exit.json");
        File.WriteAllText(path, "{\"exit_code\":1}");
        var record = new ExitRecord { Outcome = "killed", Signal = 15, EndedAt = End, Message = "killed on request" };

        ExitRecords.WriteAtomically(path, record);

        var text = File.ReadAllText(path);
        Assert.StartsWith("{\"exit_code\":null,\"outcome\":\"killed\",\"signal\":15,", text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.True(ExitRecords.TryRead(path, out var back, out _));
        Assert.Equal(record, back);
        Assert.Equal(["exit.json"], Directory.EnumerateFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_serialized_record_is_one_line_of_json_and_parses_back()
    {
        var record = new ExitRecord { Outcome = "timed_out", Signal = 9, EndedAt = End, Message = "line\none \"quoted\"\ttab" };

        var bytes = ExitRecords.Serialize(record);

        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.DoesNotContain((byte)'\n', bytes[..^1]);
        Assert.DoesNotContain((byte)'\t', bytes);
        Assert.True(ExitRecords.TryParse(bytes, out var back, out var error), error);
        Assert.Equal(record, back);
        Assert.Equal("{\"exit_code\":0}\n", System.Text.Encoding.UTF8.GetString(ExitRecords.Serialize(new ExitRecord { ExitCode = 0 })));
    }

    [Fact]
    public void Writing_into_a_missing_directory_fails_with_an_IOException_naming_the_file()
    {
        var path = _temp.Combine("missing", "exit.json");

        var e = Assert.Throws<IOException>(() => ExitRecords.WriteAtomically(path, new ExitRecord { ExitCode = 1 }));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
