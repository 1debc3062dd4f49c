using Gantry.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>Healthy once the model is loaded and warmed up; otherwise the description gives the reason.</summary>
public sealed class ModelReadinessCheck(ModelHost models) : IHealthCheck
{
    /// <summary>The check's name in health responses.</summary>
    public const string Name = "model";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
        CancellationToken cancellationToken = default)
    {
        var result = models.State switch
        {
            ModelState.Ready => HealthCheckResult.Healthy($"model {models.ModelName} is loaded and warm"),
            ModelState.Failed => HealthCheckResult.Unhealthy(
                $"model {models.ModelName} failed to load: {models.FailureReason}"),
            _ => HealthCheckResult.Unhealthy($"model {models.ModelName} is loading"),
        };
        return Task.FromResult(result);
    }
}
