using System.Text;
using Baton.Core.Errors;
using Baton.Core.Workflows;

namespace Baton.Core.Tests.Workflows.Hostile;

/// <summary>Hostile workflow files on disk: bytes that are not UTF-8, paths that would break an error line.</summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("baton-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_with_their_offset()
    {
        var path = Path.Combine(_directory, "latin1.yaml");
        File.WriteAllBytes(path, [.. "name: w\ntasks: [{ name: caf"u8, 0xE9, .. ", command: echo a }]\n"u8]);
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.Equal($"{path}:2:20: the file is not UTF-8 text: invalid byte 0xE9 at byte offset 27", error.Message);
    }

    [Fact]
    public void A_truncated_multibyte_character_at_the_end_is_refused()
    {
        var path = Path.Combine(_directory, "cut.yaml");
        File.WriteAllBytes(path, [.. "name: w\n# "u8, 0xE2, 0x82]);
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.Contains("the file is not UTF-8 text: invalid byte 0xE2 at byte offset 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_accepted()
    {
        var path = Path.Combine(_directory, "bom.yaml");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "name: w\ntasks: [{ name: café, command: echo a }]\n"u8]);
        Assert.Equal("café", WorkflowCompiler.CompileFile(path).Tasks[0].Name);
    }

    [Fact]
    public void An_error_for_a_path_with_a_newline_is_one_line()
    {
        var path = Path.Combine(_directory, "a\nb\u001b[2J.yaml");
        File.WriteAllText(path, "name: w\n", Encoding.UTF8);
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.StartsWith(Path.Combine(_directory, "a\\nb\\u001b[2J.yaml") + ":1:1: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_with_a_newline_is_one_line()
    {
        var path = Path.Combine(_directory, "no\nsuch.yaml");
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.Equal($"workflow file '{Path.Combine(_directory, "no\\nsuch.yaml")}' not found", error.Message);
    }
}
