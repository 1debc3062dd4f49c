using System.Text;
using LLama;
using LLama.Exceptions;
using Microsoft.Extensions.Logging;

namespace Gantry.Engine;

/// <summary>
/// Turns chat messages into prompt text with the model's <c>tokenizer.chat_template</c>, applied by
/// llama.cpp's <c>llama_chat_apply_template</c>. A model without a template, or with one that llama.cpp
/// does not recognise, uses ChatML (<c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;</c>), as llama.cpp's
/// own server does.
/// </summary>
public sealed partial class ChatFormatter
{
    /// <summary>The template name passed to llama.cpp when the model has no usable template.</summary>
    public const string FallbackTemplate = "chatml";

    private const string TemplateKey = "tokenizer.chat_template";

    private ChatFormatter(string template, bool usesModelTemplate)
    {
        Template = template;
        UsesModelTemplate = usesModelTemplate;
    }

    /// <summary>The template text, or the fallback's name.</summary>
    public string Template { get; }

    /// <summary>Whether the model's own template is used.</summary>
    public bool UsesModelTemplate { get; }

    /// <summary>Picks the model's template when llama.cpp can apply it, else the fallback.</summary>
    public static ChatFormatter Create(LLamaWeights weights, ILogger logger)
    {
        if (weights.Metadata.TryGetValue(TemplateKey, out var template) && !string.IsNullOrWhiteSpace(template))
        {
            var formatter = new ChatFormatter(template, usesModelTemplate: true);
            try
            {
                formatter.Format([new ChatMessage("user", "hello")]);
                return formatter;
            }
            catch (MissingTemplateException)
            {
                Log.TemplateNotSupported(logger, FallbackTemplate);
            }
        }
        else
        {
            Log.TemplateMissing(logger, FallbackTemplate);
        }

        return new ChatFormatter(FallbackTemplate, usesModelTemplate: false);
    }

    /// <summary>Formats the messages and opens the assistant's turn. Thread-safe.</summary>
    public string Format(IReadOnlyList<ChatMessage> messages)
    {
        var template = new LLamaTemplate(Template) { AddAssistant = true };
        foreach (var message in messages)
        {
            template.Add(message.Role, message.Content);
        }

        return Encoding.UTF8.GetString(template.Apply());
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information,
            "The model has no chat template; chat requests use the {Fallback} format", EventName = "ChatTemplateMissing")]
        public static partial void TemplateMissing(ILogger logger, string fallback);

        [LoggerMessage(1002, LogLevel.Warning,
            "llama.cpp does not recognise the model's chat template; chat requests use the {Fallback} format",
            EventName = "ChatTemplateNotSupported")]
        public static partial void TemplateNotSupported(ILogger logger, string fallback);
    }
}
