using System.Diagnostics;
using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Workflows;
using Baton.Testing.Fuzzing;

namespace Baton.Core.Tests.Workflows.Fuzzing;

/// <summary>
/// The property of the workflow reader (issue 16): for any bytes, a valid graph or a <see cref="BatonInputException"/>
/// whose message is one located line of bounded length; never another exception, never a hang. Seeded and
/// reproducible; BATON_FUZZ_SEED, BATON_FUZZ_CASES, BATON_FUZZ_MINUTES and BATON_FUZZ_CASE scale or narrow the run
/// (docs/workflow-files.md, "The fuzz suite").
/// </summary>
public sealed class WorkflowFuzzTests
{
    private const string FileName = "fuzz.yaml";
    private const int DefaultSeed = 16;
    private const int DefaultCases = 4000;

    // Far above any case's time (milliseconds) even on a loaded machine: only a real hang reaches it.
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_hostile_document_is_a_valid_graph_or_a_located_one_line_error()
    {
        var seed = Setting("BATON_FUZZ_SEED") ?? DefaultSeed;
        var only = Setting("BATON_FUZZ_CASE");
        var minutes = Setting("BATON_FUZZ_MINUTES");
        var cases = only is null ? Setting("BATON_FUZZ_CASES") ?? DefaultCases : 1;
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var verdicts = new Dictionary<string, (int Graphs, int Errors)>();
        for (var i = 0; minutes is { } m ? clock.Elapsed < TimeSpan.FromMinutes(m) : i < cases; i++)
        {
            var document = HostileDocuments.Make(seed, only ?? i);
            var check = Task.Run(() => Verdict(document), TestContext.Current.CancellationToken);
            string? problem;
            bool isGraph;
            try
            {
                (problem, isGraph) = await check.WaitAsync(CaseLimit, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                failures.Add($"{document}: still running after {CaseLimit.TotalSeconds} s");
                break;
            }
            if (problem is not null)
            {
                failures.Add($"{document}: {problem}");
                if (failures.Count >= 10)
                {
                    break;
                }
            }
            var (graphs, errors) = verdicts.GetValueOrDefault(document.Kind);
            verdicts[document.Kind] = isGraph ? (graphs + 1, errors) : (graphs, errors + 1);
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        if (only is null)
        {
            // The generator reaches both outcomes, and errors of every kind: the property is not checked on nothing.
            Assert.True(verdicts.Values.Sum(v => v.Graphs) > 0, "no generated document compiled");
            Assert.All(verdicts, v => Assert.True(v.Value.Errors > 0, $"no {v.Key} document was refused"));
        }
    }

    [Fact]
    public void The_same_seed_and_case_make_the_same_document()
    {
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(HostileDocuments.Make(7, i).Bytes, HostileDocuments.Make(7, i).Bytes);
        }
        Assert.NotEqual(HostileDocuments.Make(7, 1).Bytes, HostileDocuments.Make(8, 1).Bytes);
    }

    [Fact]
    public void The_valid_files_the_generator_starts_from_compile()
    {
        Assert.All(HostileDocuments.ValidFiles, yaml => Assert.NotEmpty(WorkflowCompiler.Compile(yaml, FileName).Tasks));
    }

    private static (string? Problem, bool IsGraph) Verdict(HostileDocument document)
    {
        try
        {
            var graph = WorkflowCompiler.Compile(WorkflowText.Decode(document.Bytes, FileName), FileName);
            return (graph.Tasks.Count > 0 ? null : "a graph without tasks", true);
        }
        catch (BatonInputException e)
        {
            var message = e.Message;
            if (e.Location is null || !message.StartsWith(FileName + ":", StringComparison.Ordinal))
            {
                return ($"an error without a location: {QuotedText.Shorten(message)}", false);
            }
            if (QuotedText.FirstUnprintable(message) is var at and >= 0)
            {
                return ($"an error with the unprintable character U+{(int)message[at]:X4}: {QuotedText.Shorten(message)}", false);
            }
            if (message.Length > 1200)
            {
                return ($"an error of {message.Length} characters: {QuotedText.Shorten(message)}", false);
            }
            return (null, false);
        }
        catch (Exception e)
        {
            return ($"{e.GetType().FullName}: {QuotedText.Shorten(e.Message)}", false);
        }
    }

    private static int? Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;
}
