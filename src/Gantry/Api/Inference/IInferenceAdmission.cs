namespace Gantry.Api.Inference;

/// <summary>
/// Checks that an inference request may run, at two points: after its body is parsed and after its prompt is
/// tokenized. The first error returned is sent to the client and the request goes no further.
/// </summary>
public interface IInferenceAdmission
{
    /// <summary>Checks the parsed request before any tokenization work is spent on it.</summary>
    ApiError? CheckRequest(HttpContext context, InferenceRequest request);

    /// <summary>Checks the request with its token counts, just before it is queued on the engine.</summary>
    ApiError? CheckTokens(HttpContext context, InferenceRequest request, int promptTokens, int maxTokens);
}
