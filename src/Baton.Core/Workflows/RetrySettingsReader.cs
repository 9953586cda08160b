using System.Globalization;
using Baton.Core.Resources;
using Baton.Core.Retries;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Reads the retry and scheduling settings of a level (defaults, template, task): <c>resource_scales</c>,
/// <c>retry_on_exit_codes</c>, <c>no_retry_on_exit_codes</c> and <c>tokens</c>; and <c>max_concurrent</c>.
/// </summary>
internal static class RetrySettingsReader
{
    public static readonly string[] Keys = ["resource_scales", "retry_on_exit_codes", "no_retry_on_exit_codes", "tokens"];
    private static readonly string[] ScaleKeys = ["memory", "runtime"];

    /// <summary><paramref name="settings"/> with what <paramref name="fields"/> says about retries and tokens.</summary>
    public static Settings Read(YamlSource source, YamlFields fields, Settings settings)
    {
        if (fields["resource_scales"] is { } scalesNode)
        {
            var scales = new YamlFields(source, source.Mapping(scalesNode, "resource_scales"), "resource_scales", ScaleKeys);
            if (scales["memory"] is { } memory)
            {
                settings = settings with { MemoryScale = ReadScale(source, memory, "memory", ParseMemory) };
            }
            if (scales["runtime"] is { } runtime)
            {
                settings = settings with { RuntimeScale = ReadScale(source, runtime, "runtime", ParseRuntime) };
            }
        }
        if (fields["retry_on_exit_codes"] is { } retryOn)
        {
            settings = settings with { RetryOnExitCodes = ReadCodes(source, retryOn, "retry_on_exit_codes") };
        }
        if (fields["no_retry_on_exit_codes"] is { } noRetryOn)
        {
            settings = settings with { NoRetryOnExitCodes = ReadCodes(source, noRetryOn, "no_retry_on_exit_codes") };
        }
        if (fields["tokens"] is { } tokensNode)
        {
            var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in source.Mapping(tokensNode, "tokens").Children)
            {
                var name = source.Text(keyNode, "a token name");
                if (name.Length == 0 || Names.InvisibleProblem(name) is not null || name.Any(char.IsWhiteSpace))
                {
                    throw source.Error(keyNode, $"token name '{name}' is not valid: {Names.InvisibleProblem(name) ?? "a token name is a word without whitespace"}");
                }
                tokens[name] = source.Integer(valueNode, $"token '{name}'", minimum: 1);
            }
            settings = settings with { Tokens = tokens };
        }
        return settings;
    }

    /// <summary>A positive whole number of tasks that may run at once.</summary>
    public static int? ReadMaxConcurrent(YamlSource source, YamlFields fields) =>
        fields["max_concurrent"] is { } node ? source.Integer(node, "max_concurrent", minimum: 1) : null;

    /// <summary>A factor (<c>0.5</c>: +50 % per retry) or a list of values, one per retry.</summary>
    private static ResourceScale ReadScale(YamlSource source, YamlNode node, string what, Func<YamlSource, YamlNode, double> parse)
    {
        if (node is YamlSequenceNode list)
        {
            if (list.Children.Count == 0)
            {
                throw source.Error(list, $"resource_scales.{what} is an empty list: give at least one value");
            }
            return new ResourceScale(0, list.Children.Select(v => parse(source, v)).ToArray());
        }
        var text = source.Text(node, $"resource_scales.{what}");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || !double.IsFinite(factor) || factor <= 0)
        {
            throw source.Error(node, $"resource_scales.{what} '{text}' is not a positive factor (0.5 raises {what} by 50 % per retry) or a list of values");
        }
        return new ResourceScale(factor, []);
    }

    private static double ParseMemory(YamlSource source, YamlNode node) =>
        ResourceParser.TryParseMemory(source.Text(node, "memory"), out var bytes, out var error) && bytes > 0
            ? bytes
            : throw source.Error(node, error.Length > 0 ? error : "a memory value in resource_scales must be more than 0");

    private static double ParseRuntime(YamlSource source, YamlNode node) =>
        ResourceParser.TryParseRuntime(source.Text(node, "runtime"), out var limit, out var error)
            ? limit.TotalSeconds
            : throw source.Error(node, error);

    // Exit codes are 0..255 on every system Baton runs on; 0 is success, so a rule can name 1..255.
    private static int[] ReadCodes(YamlSource source, YamlNode node, string what) =>
        source.Sequence(node, what, "[1, 75]").Children.Select(c => source.Integer(c, $"an exit code in {what}", minimum: 1, maximum: 255)).ToArray();
}
