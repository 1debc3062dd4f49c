namespace Gantry.Testing;

/// <summary>
/// Token types as llama.cpp reads them from <c>tokenizer.ggml.token_type</c>.
/// </summary>
public enum TestTokenType
{
    /// <summary>Ordinary text piece.</summary>
    Normal = 1,

    /// <summary>The unknown-token placeholder.</summary>
    Unknown = 2,

    /// <summary>Control token such as BOS or EOS, which tokenizing plain text never produces.</summary>
    Control = 3,

    /// <summary>Raw byte used for byte fallback, written as <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 6,
}
