namespace Gantry.Security;

/// <summary>The scopes an API key can hold; each one opens a group of routes.</summary>
public static class ApiScopes
{
    /// <summary><c>/v1/chat/completions</c>, <c>/v1/completions</c> and <c>/v1/models</c>.</summary>
    public const string Inference = "inference";

    /// <summary><c>POST /v1/feedback</c> and <c>GET /v1/feedback/{id}</c>.</summary>
    public const string Feedback = "feedback";

    /// <summary>Exports, <c>/v1/feedback/stats</c>, completion records and, when configured, <c>/metrics</c>.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, in the order the documentation lists them.</summary>
    public static readonly IReadOnlyList<string> All = [Inference, Feedback, Admin];
}
