namespace Gantry.Health;

/// <summary>
/// Tags that select health checks for the probe routes. A check tagged <see cref="Ready"/> joins
/// <c>/health</c> and <c>/health/ready</c>: a component adds its own with
/// <c>services.AddHealthChecks().AddCheck&lt;T&gt;("name", tags: [HealthTags.Ready])</c>.
/// </summary>
public static class HealthTags
{
    /// <summary>Checks that must pass before the server takes traffic: model warm, store reachable, not draining.</summary>
    public const string Ready = "ready";

    /// <summary>Checks of <c>/health/startup</c>: the first model load has finished.</summary>
    public const string Startup = "startup";
}
