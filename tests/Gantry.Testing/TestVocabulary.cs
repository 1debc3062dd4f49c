using System.Globalization;

namespace Gantry.Testing;

/// <summary>
/// SentencePiece-style vocabulary of a generated model: special tokens, the 256 byte-fallback
/// tokens and a set of text pieces, so that any text tokenizes.
/// </summary>
/// <remarks>
/// llama.cpp's SentencePiece tokenizer starts from single characters and merges neighbours only
/// when the merged text is itself a piece, so every word is added together with all its prefixes
/// (<c>▁t</c>, <c>▁th</c>, <c>▁the</c>). Characters without a piece fall back to byte tokens.
/// </remarks>
public sealed class TestVocabulary
{
    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>Id of <c>&lt;s&gt;</c>, the beginning-of-sequence token.</summary>
    public const int BosId = 1;

    /// <summary>Id of <c>&lt;/s&gt;</c>, the end-of-sequence token.</summary>
    public const int EosId = 2;

    /// <summary>Id of the byte token <c>&lt;0x00&gt;</c>, so byte <c>b</c> has id <c>FirstByteId + b</c>.</summary>
    public const int FirstByteId = 3;

    /// <summary>The SentencePiece word-boundary marker (U+2581), which stands for a space.</summary>
    public const string WordBoundary = "\u2581";

    /// <summary>Control tokens that the ChatML template uses, added when a model has that template.</summary>
    public static IReadOnlyList<string> ChatMLTokens { get; } = ["<|im_start|>", "<|im_end|>"];

    private static readonly string[] s_words =
    [
        "the", "a", "an", "and", "of", "to", "in", "is", "it", "that", "for", "on", "with", "as", "was",
        "be", "this", "are", "you", "he", "she", "we", "they", "at", "by", "or", "not", "from", "have",
        "hello", "world", "model", "test", "token", "server", "request", "answer", "question", "stream",
        "time", "one", "two", "three", "yes", "no", "Hello", "The", "I",
    ];

    private static readonly string[] s_subwords = ["ing", "ed", "er", "es", "ly", "tion", "s"];

    // Multi-byte characters and combinations, so that streamed output can split a character
    // across tokens and so that tokenizing them exercises both pieces and byte fallback.
    private static readonly string[] s_multiByte =
    [
        "é", "è", "ü", "ö", "ñ", "ç", "ß", "€", "日", "本", "日本", "語", "日本語", "中", "文", "中文",
        "😀", "🚀", "👍", "🎉",
    ];

    private readonly List<string> _tokens = [];
    private readonly List<float> _scores = [];
    private readonly List<int> _types = [];
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private TestVocabulary()
    {
    }

    /// <summary>Token texts, indexed by token id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Token scores. The tokenizer applies higher-scoring merges first.</summary>
    public IReadOnlyList<float> Scores => _scores;

    /// <summary>Token types (<see cref="TestTokenType"/> values), indexed by token id.</summary>
    public IReadOnlyList<int> Types => _types;

    /// <summary>Number of tokens.</summary>
    public int Count => _tokens.Count;

    /// <summary>
    /// Builds the vocabulary.
    /// </summary>
    /// <param name="extraPieces">Number of generated letter-combination pieces added at the end.</param>
    /// <param name="includeChatMLTokens">Whether to add the ChatML control tokens.</param>
    public static TestVocabulary Create(int extraPieces, bool includeChatMLTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extraPieces);
        var vocabulary = new TestVocabulary();
        vocabulary.Add("<unk>", 0f, TestTokenType.Unknown);
        vocabulary.Add("<s>", 0f, TestTokenType.Control);
        vocabulary.Add("</s>", 0f, TestTokenType.Control);
        for (var value = 0; value < 256; value++)
        {
            vocabulary.Add(string.Create(CultureInfo.InvariantCulture, $"<0x{value:X2}>"), 0f, TestTokenType.Byte);
        }

        if (includeChatMLTokens)
        {
            foreach (var token in ChatMLTokens)
            {
                vocabulary.Add(token, 0f, TestTokenType.Control);
            }
        }

        vocabulary.AddTextPieces();
        vocabulary.AddExtraPieces(extraPieces);
        return vocabulary;
    }

    private void AddTextPieces()
    {
        AddPiece(WordBoundary);
        for (var c = 'a'; c <= 'z'; c++)
        {
            AddPiece(c.ToString());
        }

        for (var c = 'A'; c <= 'Z'; c++)
        {
            AddPiece(c.ToString());
        }

        for (var c = '0'; c <= '9'; c++)
        {
            AddPiece(c.ToString());
        }

        foreach (var c in ".,!?;:'\"-()")
        {
            AddPiece(c.ToString());
        }

        foreach (var word in s_words)
        {
            AddWithPrefixes(WordBoundary + word);
        }

        foreach (var subword in s_subwords)
        {
            AddWithPrefixes(subword);
        }

        foreach (var piece in s_multiByte)
        {
            AddPiece(piece);
        }

        AddPiece(WordBoundary + "日本");
        AddPiece(WordBoundary + "é");
    }

    private void AddExtraPieces(int count)
    {
        // Two-letter pieces come before three-letter ones, so each three-letter piece has its
        // prefix available to merge from; word-initial and inner variants alternate.
        var added = 0;
        for (var length = 2; added < count; length++)
        {
            var combinations = (int)Math.Pow(26, length);
            for (var index = 0; index < combinations && added < count; index++)
            {
                var letters = LettersFor(index, length);
                if (AddPiece(WordBoundary + letters))
                {
                    added++;
                }

                if (added < count && AddPiece(letters))
                {
                    added++;
                }
            }
        }
    }

    private static string LettersFor(int index, int length)
    {
        var letters = new char[length];
        for (var position = length - 1; position >= 0; position--)
        {
            letters[position] = (char)('a' + (index % 26));
            index /= 26;
        }

        return new string(letters);
    }

    private void AddWithPrefixes(string word)
    {
        var infos = StringInfo.ParseCombiningCharacters(word);
        for (var i = 1; i < infos.Length; i++)
        {
            AddPiece(word[..infos[i]]);
        }

        AddPiece(word);
    }

    private bool AddPiece(string piece)
    {
        // Earlier pieces score higher, as frequent pieces do in a trained SentencePiece model.
        return Add(piece, -_tokens.Count, TestTokenType.Normal);
    }

    private bool Add(string text, float score, TestTokenType type)
    {
        if (!_known.Add(text))
        {
            return false;
        }

        _tokens.Add(text);
        _scores.Add(score);
        _types.Add((int)type);
        return true;
    }
}
