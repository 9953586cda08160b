using Baton.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Stands between YamlDotNet's parser and the node tree it builds, and refuses, at the event that starts them, the
/// documents that could crash or stall the reader: nesting deeper than <see cref="MaxDepth"/> (building the tree
/// recurses, so 60,000 '[' would overflow the stack), anchors and aliases (a small file that expands into a huge
/// one, or a key that contains itself), keys that are lists or maps, and duplicate keys (compared by their text,
/// whatever their tags: <c>!!str name</c> is <c>name</c>).
/// </summary>
internal sealed class GuardedParser(IParser inner, YamlSource source) : IParser
{
    /// <summary>How deeply lists and maps may nest; a workflow file needs about 6 levels.</summary>
    public const int MaxDepth = 32;

    private readonly Stack<Level> _levels = new();

    public ParsingEvent? Current => inner.Current;

    /// <summary>Where the last event read starts: the place to blame when the parser fails without a location.</summary>
    public Mark LastMark { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }
        var current = inner.Current!;
        LastMark = current.Start;
        Check(current);
        return true;
    }

    /// <summary>
    /// The file's one YAML document as a node tree, through a <see cref="GuardedParser"/>; every failure of the YAML
    /// library is a located <see cref="BatonInputException"/>.
    /// </summary>
    public static YamlNode Load(YamlSource source, string yamlText) =>
        LoadOptional(source, yamlText, "a workflow file")
        ?? throw WorkflowErrors.At(new SourceLocation(source.DisplayPath, 1, 1), "the workflow file is empty: it needs at least name: and tasks:");

    /// <summary>As <see cref="Load"/>, for <paramref name="what"/> ("a settings file"); null when it holds no document.</summary>
    public static YamlNode? LoadOptional(YamlSource source, string yamlText, string what)
    {
        var stream = new YamlStream();
        var parser = new GuardedParser(new Parser(new StringReader(yamlText)), source);
        try
        {
            stream.Load(parser);
        }
        catch (BatonInputException)
        {
            throw;
        }
        catch (YamlException e)
        {
            throw WorkflowErrors.At(source.At(e.Start.Line > 0 ? e.Start : parser.LastMark), $"not valid YAML: {Sentence(e.Message)}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // YamlDotNet fails on some malformed input (a document end followed by garbage, some token soup) with
            // exceptions other than YamlException; they are still a user's bad input, located where the parser stopped.
            throw WorkflowErrors.At(source.At(parser.LastMark), $"not valid YAML: {Sentence(e.Message)}");
        }
        if (stream.Documents.Count == 0)
        {
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            throw source.Error(stream.Documents[1].RootNode, $"{what} holds one YAML document; a second one starts here");
        }
        return stream.Documents[0].RootNode;
    }

    // YamlDotNet's messages are sentences ("While parsing ..., did not find expected ']'."); ours are clauses.
    private static string Sentence(string message)
    {
        var trimmed = message.Trim().TrimEnd('.');
        return trimmed.Length > 0 ? char.ToLowerInvariant(trimmed[0]) + trimmed[1..] : "unreadable input";
    }

    private void Check(ParsingEvent e)
    {
        switch (e)
        {
            case AnchorAlias alias:
                throw Error(e, $"aliases such as *{alias.Value} are not supported in workflow files: write the value out");
            case NodeEvent node when !node.Anchor.IsEmpty:
                throw Error(e, $"anchors such as &{node.Anchor.Value} are not supported in workflow files: write the value out");
        }
        if (e is NodeEvent && _levels.TryPeek(out var level) && level.Keys is { } keys)
        {
            var isKey = level.ExpectKey;
            level.ExpectKey = !level.ExpectKey;
            if (isKey)
            {
                if (e is not Scalar scalar)
                {
                    throw Error(e, $"a key must be a single value, not {(e is MappingStart ? "a map" : "a list")}");
                }
                if (!keys.TryAdd(scalar.Value, scalar.Start))
                {
                    throw Error(e, $"duplicate key '{scalar.Value}' (first at line {keys[scalar.Value].Line})");
                }
            }
        }
        switch (e)
        {
            case MappingStart:
                Push(e, new Level { Keys = new Dictionary<string, Mark>(StringComparer.Ordinal) });
                break;
            case SequenceStart:
                Push(e, new Level());
                break;
            case MappingEnd or SequenceEnd when _levels.Count > 0:
                _levels.Pop();
                break;
        }
    }

    private void Push(ParsingEvent e, Level level)
    {
        if (_levels.Count >= MaxDepth)
        {
            throw Error(e, $"lists and maps nest more than {MaxDepth} levels deep here");
        }
        _levels.Push(level);
    }

    private BatonInputException Error(ParsingEvent e, ref QuotedMessage message) => WorkflowErrors.At(source.At(e.Start), ref message);

    private sealed class Level
    {
        /// <summary>The keys seen so far and where; null for a list.</summary>
        public Dictionary<string, Mark>? Keys { get; init; }

        public bool ExpectKey { get; set; } = true;
    }
}
