namespace Gantry.Testing;

/// <summary>
/// Chat templates (Jinja) that a generated model can carry in <c>tokenizer.chat_template</c>.
/// </summary>
public static class TestChatTemplates
{
    /// <summary>
    /// ChatML: each message is <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>, followed by
    /// <c>&lt;|im_start|&gt;assistant\n</c> when a generation prompt is requested. llama.cpp
    /// recognises it by the <c>&lt;|im_start|&gt;</c> marker.
    /// </summary>
    public const string ChatML =
        "{%- for message in messages -%}"
        + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
        + "{%- endfor -%}"
        + "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";
}
