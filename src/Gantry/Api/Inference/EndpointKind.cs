namespace Gantry.Api.Inference;

/// <summary>The two generation routes, which differ only in request and response shapes.</summary>
public enum EndpointKind
{
    /// <summary><c>POST /v1/chat/completions</c>.</summary>
    Chat,

    /// <summary><c>POST /v1/completions</c>.</summary>
    Completions,
}
