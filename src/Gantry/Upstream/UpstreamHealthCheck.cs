using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Upstream;

/// <summary>
/// The readiness check of upstream mode: healthy only while the last poll of the upstream succeeded, because
/// without a working upstream the server cannot serve inference requests.
/// </summary>
public sealed class UpstreamHealthCheck(UpstreamHealth health) : IHealthCheck
{
    /// <summary>The check's registered name.</summary>
    public const string Name = "upstream";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
        CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["status"] = health.Status.ToString(),
            ["checked_at"] = health.CheckedAt?.ToString("O") ?? "never",
        };
        var result = health.Status == UpstreamHealthStatus.Healthy
            ? HealthCheckResult.Healthy(health.Description, data)
            : HealthCheckResult.Unhealthy(health.Description, data: data);
        return Task.FromResult(result);
    }
}
