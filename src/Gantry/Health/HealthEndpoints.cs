using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>Registers the health checks and maps the Kubernetes probe routes.</summary>
public static class HealthEndpoints
{
    /// <summary>
    /// Adds the model, drain and feedback store checks tagged <see cref="HealthTags.Ready"/> and the startup check. Other
    /// components add their own checks with the same tag to take part in readiness.
    /// </summary>
    public static IHealthChecksBuilder AddGantryHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<ModelReadinessCheck>(ModelReadinessCheck.Name, tags: [HealthTags.Ready])
            .AddCheck<DrainCheck>(DrainCheck.Name, tags: [HealthTags.Ready])
            .AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: [HealthTags.Ready])
            .AddCheck<ModelStartupCheck>(ModelStartupCheck.Name, tags: [HealthTags.Startup]);

    /// <summary>
    /// Maps <c>/health</c> and <c>/health/ready</c> (every ready check), <c>/health/live</c> (no checks: 200
    /// while the process serves HTTP) and <c>/health/startup</c> (the first model load has finished).
    /// </summary>
    public static IEndpointRouteBuilder MapGantryHealthChecks(this IEndpointRouteBuilder routes)
    {
        var ready = CreateOptions(check => check.Tags.Contains(HealthTags.Ready));
        routes.MapHealthChecks("/health", ready);
        routes.MapHealthChecks("/health/ready", ready);
        routes.MapHealthChecks("/health/live", CreateOptions(_ => false));
        routes.MapHealthChecks("/health/startup", CreateOptions(check => check.Tags.Contains(HealthTags.Startup)));
        return routes;
    }

    private static HealthCheckOptions CreateOptions(Func<HealthCheckRegistration, bool> predicate) =>
        new()
        {
            Predicate = predicate,
            AllowCachingResponses = false,
            ResponseWriter = HealthResponseWriter.WriteAsync,
        };
}
