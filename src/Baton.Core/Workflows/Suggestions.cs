namespace Baton.Core.Workflows;

/// <summary>Finds a close match for a misspelt name, so that errors can say "did you mean ...?".</summary>
public static class Suggestions
{
    /// <summary>" (did you mean 'x'?)" when a candidate is close, else "".</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates) =>
        Closest(word, candidates) is { } match ? $" (did you mean '{match}'?)" : "";

    /// <summary>
    /// The candidate with the smallest edit distance, if it is at most a third of the word's length (at least 1);
    /// the first such candidate on ties. Only runs on the error path, once.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        var limit = Math.Max(1, word.Length / 3);
        string? best = null;
        var bestDistance = limit + 1;
        var previous = new int[word.Length + 1];
        var current = new int[word.Length + 1];
        foreach (var candidate in candidates)
        {
            // A length difference alone exceeds the limit: skip the quadratic work.
            if (Math.Abs(candidate.Length - word.Length) >= bestDistance || candidate == word)
            {
                continue;
            }
            var distance = Distance(word, candidate, previous, current);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    // Levenshtein distance with two rows; the rows are reused between candidates.
    private static int Distance(string a, string b, int[] previous, int[] current)
    {
        for (var i = 0; i <= a.Length; i++)
        {
            previous[i] = i;
        }
        for (var j = 1; j <= b.Length; j++)
        {
            current[0] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                var substitution = previous[i - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[i] = Math.Min(substitution, Math.Min(previous[i], current[i - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[a.Length];
    }
}
