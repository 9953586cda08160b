using Baton.Testing;
using Baton.Testing.Fuzzing;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// Generated hostile workflow files through the real <c>baton</c> process (issue 16; the larger in-process suite is
/// tests/Baton.Core.Tests/Workflows/Fuzzing): each is refused with exit 2 and one line on stderr naming no exception
/// type and showing no stack trace, and nothing is written to the workspace; or it is valid and the dry run passes.
/// </summary>
public sealed class HostileWorkflowFileTests : IDisposable
{
    private const int Seed = 16;
    private const int Cases = 48;
    private readonly TempDirectory _directory = new("baton-hostile-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Hostile_files_are_one_line_exit_2_and_write_nothing()
    {
        var refused = 0;
        for (var i = 0; i < Cases; i++)
        {
            var document = HostileDocuments.Make(Seed, i);
            var file = _directory.Combine($"case-{i}.yaml");
            var workspace = _directory.Combine($"ws-{i}");
            await File.WriteAllBytesAsync(file, document.Bytes, TestContext.Current.CancellationToken);
            var (code, output) = await BatonProcess.RunAsync(_directory.Combine($"out-{i}.txt"), TimeSpan.FromMinutes(2), "run", file, "--dry-run", "--no-progress", "--workspace", workspace);
            if (code == 0)
            {
                continue;
            }
            refused++;
            Assert.True(code == 2, $"{document}: exit {code}\n{output}");
            Assert.True(output.EndsWith('\n') && output.IndexOf('\n') == output.Length - 1, $"{document}: not one line\n{output}");
            Assert.StartsWith($"baton: error: {file}:", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
            Assert.DoesNotContain(" at Baton.", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(workspace), $"{document}: the workspace was created");
        }
        Assert.True(refused > Cases / 2, $"only {refused} of {Cases} generated files were refused");
    }
}
