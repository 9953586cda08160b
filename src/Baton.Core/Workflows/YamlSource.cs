using System.Globalization;
using Baton.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// The workflow file being read. Turns YAML nodes into locations and checks the shape of nodes, so that every
/// error names the file, line and column of the node at fault.
/// </summary>
internal sealed class YamlSource(string displayPath)
{
    /// <summary>The path as the user gave it: errors show what the user typed, not a resolved path.</summary>
    public string DisplayPath { get; } = displayPath;

    public SourceLocation At(YamlNode node) => At(node.Start);

    public SourceLocation At(Mark mark) =>
        new(DisplayPath, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

    /// <summary>
    /// The location of the character at <paramref name="offset"/> in a scalar's value. Exact for a scalar written on
    /// one line without escapes (plain or quoted); otherwise (block scalars, folded lines, escapes) the text in the
    /// file no longer maps to the value character by character, and the scalar's start is the honest answer.
    /// </summary>
    public SourceLocation At(YamlScalarNode node, int offset)
    {
        var value = node.Value ?? "";
        if (node.Start.Line != node.End.Line || offset < 0 || offset > value.Length)
        {
            return At(node);
        }
        var width = node.End.Column - node.Start.Column;
        var column = node.Style switch
        {
            ScalarStyle.Plain when width == value.Length => node.Start.Column + offset,
            ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted when width == value.Length + 2 => node.Start.Column + 1 + offset,
            _ => node.Start.Column,
        };
        return new SourceLocation(DisplayPath, (int)node.Start.Line, (int)column);
    }

    public BatonInputException Error(YamlNode node, ref QuotedMessage message) => WorkflowErrors.At(At(node), ref message);

    public BatonInputException Error(YamlNode node, string message) => WorkflowErrors.At(At(node), message);

    public BatonInputException Error(YamlScalarNode node, int offset, ref QuotedMessage message) => WorkflowErrors.At(At(node, offset), ref message);

    public BatonInputException Error(YamlScalarNode node, int offset, string message) => WorkflowErrors.At(At(node, offset), message);

    public YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(node, $"{what} must be a map of key: value pairs, not {Describe(node)}");

    public YamlSequenceNode Sequence(YamlNode node, string what, string example) =>
        node as YamlSequenceNode ?? throw Error(node, $"{what} must be a list such as {example}, not {Describe(node)}");

    public YamlScalarNode Scalar(YamlNode node, string what) =>
        node as YamlScalarNode ?? throw Error(node, $"{what} must be a single value, not {Describe(node)}{QuotingHint(node)}");

    // `name: {rate}` reads as a YAML flow map {rate: null}; say so, since the YAML rule is easy to miss.
    private static string QuotingHint(YamlNode node) =>
        node is YamlMappingNode { Style: MappingStyle.Flow } map && map.Children.Values.All(v => v is YamlScalarNode s && IsNull(s))
            ? " (quote a value that starts with '{')"
            : "";

    /// <summary>
    /// A scalar's text, taken as written (<c>0.10</c> stays "0.10"). An empty plain scalar (YAML's null) is refused
    /// so that a forgotten value is not silently taken for ''; an empty quoted string is a value.
    /// </summary>
    public string Text(YamlNode node, string what)
    {
        var scalar = Scalar(node, what);
        if (IsNull(scalar))
        {
            throw Error(scalar, $"{what} has no value (write '' for an empty text)");
        }
        return scalar.Value!;
    }

    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public int Integer(YamlNode node, string what, int minimum = int.MinValue, int maximum = int.MaxValue)
    {
        var text = Text(node, what);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum)
        {
            return value;
        }
        var requirement = (minimum, maximum) switch
        {
            (int.MinValue, int.MaxValue) => "a whole number",
            (_, int.MaxValue) => $"a whole number of at least {minimum.ToString(CultureInfo.InvariantCulture)}",
            _ => $"a whole number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}",
        };
        throw Error(node, $"{what} '{text}' is not {requirement}");
    }

    public static bool IsNull(YamlScalarNode scalar) => scalar.Style == ScalarStyle.Plain && string.IsNullOrEmpty(scalar.Value);

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a map",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNull(scalar) => "an empty value",
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        _ => "an alias",
    };
}
