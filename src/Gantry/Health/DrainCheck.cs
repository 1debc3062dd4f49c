using Gantry.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>Unhealthy from the moment the server starts draining, so load balancers stop sending traffic.</summary>
public sealed class DrainCheck(DrainCoordinator drain) : IHealthCheck
{
    /// <summary>The check's name in health responses.</summary>
    public const string Name = "drain";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
        CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("the server is draining before shutdown")
            : HealthCheckResult.Healthy("accepting requests"));
}
