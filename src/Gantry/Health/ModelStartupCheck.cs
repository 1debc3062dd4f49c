using Gantry.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>
/// The startup probe: Unhealthy while the first load runs, Healthy once it succeeded, and Degraded (still
/// HTTP 200) once it failed.
/// </summary>
/// <remarks>
/// A failed load passes the startup probe on purpose. Kubernetes would otherwise restart the container after
/// the probe's failure threshold, and a restart cannot repair a missing or corrupt file: the pod would loop
/// through full load attempts while the reason scrolls out of the log. Passing it keeps the process up and
/// not ready, with the reason in <c>/health</c>, in this probe's body and in the log.
/// </remarks>
public sealed class ModelStartupCheck(ModelHost models) : IHealthCheck
{
    /// <summary>The check's name in health responses; check names must be unique, so it differs from the readiness check's.</summary>
    public const string Name = "model-load";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
        CancellationToken cancellationToken = default)
    {
        var result = models.State switch
        {
            ModelState.Ready => HealthCheckResult.Healthy($"model {models.ModelName} finished loading"),
            ModelState.Failed => HealthCheckResult.Degraded(
                $"model {models.ModelName} failed to load: {models.FailureReason}"),
            _ => HealthCheckResult.Unhealthy($"model {models.ModelName} is loading"),
        };
        return Task.FromResult(result);
    }
}
