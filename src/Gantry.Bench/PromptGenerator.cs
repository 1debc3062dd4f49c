using System.Text;

namespace Gantry.Bench;

/// <summary>
/// Builds benchmark prompts of about a given number of tokens from a fixed list of short, common English
/// words. Most BPE and SentencePiece vocabularies hold each of these words, with its leading space, as one
/// token, so the word count approximates the token count; the server's <c>usage.prompt_tokens</c> gives
/// the real figure. Prompts are random word sequences from a seeded generator, so the same seed gives the
/// same prompts, and they differ from each other from the first words on, which keeps a server's prefix
/// cache from sharing work between requests.
/// </summary>
public static class PromptGenerator
{
    private static readonly string[] s_words =
    [
        "the", "of", "and", "to", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are", "with",
        "as", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "not", "word",
        "but", "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use",
        "your", "how", "said", "an", "each", "she", "which", "do", "their", "time", "if", "will", "way",
        "about", "many", "then", "them", "write", "would", "like", "so", "these", "her", "long", "make",
        "thing", "see", "him", "two", "has", "look", "more", "day", "could", "go", "come", "did", "number",
        "sound", "no", "most", "people", "my", "over", "know", "water", "than", "call", "first", "who",
        "may", "down", "side", "been", "now", "find", "any", "new", "work", "part", "take", "get", "place",
        "made", "live", "where", "after", "back", "little", "only", "round", "man", "year", "came", "show",
        "every", "good", "me", "give", "our", "under", "name", "very", "through", "just", "form", "great",
        "think", "say", "help", "low", "line", "before", "turn", "cause", "same", "mean", "move", "right",
        "boy", "old", "too", "does", "tell", "set", "three", "want", "air", "well", "also", "play", "small",
        "end", "put", "home", "read", "hand", "port", "large", "add", "even", "land", "here", "must", "big",
        "high", "such", "follow", "act", "why", "ask", "men", "change", "went", "light", "kind", "off",
        "need", "house", "try", "us", "again", "animal", "point", "mother", "world", "near", "build", "self",
        "earth", "father", "head", "stand", "own", "page", "should", "country", "found", "answer", "school",
        "grow", "study", "still", "learn", "plant", "cover", "food", "sun", "four", "thought", "let", "keep",
        "eye", "never", "last", "door", "between", "city", "tree", "cross", "since", "hard", "start", "might",
        "story", "saw", "far", "sea", "draw", "left", "late", "run", "while", "press", "close", "night",
        "real", "life", "few", "stop", "open", "seem", "together", "next", "white", "children", "begin",
        "got", "walk", "example", "ease", "paper", "often", "always", "music", "those", "both", "mark",
    ];

    /// <summary>
    /// Builds <paramref name="count"/> prompts of <paramref name="words"/> words each, the same for the
    /// same <paramref name="seed"/>.
    /// </summary>
    public static string[] Build(int count, int words, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        var random = new Random(seed);
        var prompts = new string[count];
        var builder = new StringBuilder(words * 6);
        for (var i = 0; i < count; i++)
        {
            builder.Clear();
            for (var w = 0; w < words; w++)
            {
                if (w > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(s_words[random.Next(s_words.Length)]);
            }

            prompts[i] = builder.ToString();
        }

        return prompts;
    }
}
