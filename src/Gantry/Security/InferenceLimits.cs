using System.Globalization;
using Gantry.Api;
using Gantry.Api.Inference;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Security;

/// <summary>
/// The per-request limits of inference: message count, prompt tokens, <c>max_tokens</c>, the token rate per
/// caller, and the time limit of a streamed or non-streamed request.
/// </summary>
public sealed class InferenceLimits(IOptions<GantryOptions> options, TokenRateLimiter tokens) : IInferenceAdmission
{
    /// <inheritdoc />
    public ApiError? CheckRequest(HttpContext context, InferenceRequest request)
    {
        context.Features.Get<RequestDeadlineFeature>()?.SetLimit(
            TimeSpan.FromSeconds(request.Stream ? options.Value.StreamTimeout : options.Value.RequestTimeout));
        if (request.Messages is { } messages && messages.Count > options.Value.MaxMessages)
        {
            return ApiError.Invalid(
                $"The request has {messages.Count} messages; at most {options.Value.MaxMessages} are allowed (--max-messages).",
                "messages", "too_many_messages");
        }

        if (!options.Value.IsUpstreamMode && CountPromptCharacters(request) is var characters
            && characters > (long)PromptTokenLimit * MaxCharactersPerToken)
        {
            return ApiError.Invalid(
                $"The prompt has {characters} characters, more than {PromptTokenLimit} tokens can hold; shorten it.",
                request.Messages is null ? "prompt" : "messages", "prompt_too_long");
        }

        if (options.Value.MaxCompletionTokens > 0 && request.MaxTokens > options.Value.MaxCompletionTokens)
        {
            return ApiError.Invalid(
                $"max_tokens is {request.MaxTokens}; this server allows at most {options.Value.MaxCompletionTokens} (--max-completion-tokens).",
                "max_tokens", "max_tokens_too_large");
        }

        return null;
    }

    /// <summary>
    /// Characters one token is assumed to cover at most. A prompt longer than the token limit times this is rejected
    /// before tokenization, which would otherwise cost memory and time in proportion to the body size.
    /// </summary>
    /// <remarks>NOTE: a bound chosen for the vocabularies of common models, not read from the loaded one.</remarks>
    public const int MaxCharactersPerToken = 64;

    private int PromptTokenLimit => options.Value.MaxPromptTokens > 0
        ? Math.Min(options.Value.MaxPromptTokens, options.Value.ContextSize)
        : options.Value.ContextSize;

    private static long CountPromptCharacters(InferenceRequest request) =>
        request.Prompt?.Length ?? request.Messages!.Sum(m => (long)m.Content.Length);

    /// <inheritdoc />
    public ApiError? CheckTokens(HttpContext context, InferenceRequest request, int promptTokens, int maxTokens)
    {
        if (options.Value.MaxPromptTokens > 0 && promptTokens > options.Value.MaxPromptTokens)
        {
            return ApiError.Invalid(
                $"The prompt has {promptTokens} tokens; this server allows at most {options.Value.MaxPromptTokens} (--max-prompt-tokens).",
                request.Messages is null ? "prompt" : "messages", "prompt_too_long");
        }

        var needed = (long)promptTokens + maxTokens;
        if (tokens.TokensPerMinute > 0 && needed > tokens.TokensPerMinute)
        {
            return ApiError.Invalid(
                $"The request needs {needed} tokens ({promptTokens} in the prompt, {maxTokens} for max_tokens), more than "
                + $"this API key's limit of {tokens.TokensPerMinute} tokens per minute. Lower max_tokens or shorten the prompt.",
                "max_tokens", "tokens_exceed_rate_limit");
        }

        if (!tokens.TryTake(CallerPartition.Of(context), (int)needed, out var retryAfter))
        {
            context.Response.Headers.RetryAfter =
                Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return AccessErrors.RateLimited("tokens");
        }

        return null;
    }
}
