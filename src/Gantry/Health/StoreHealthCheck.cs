using System.Data.Common;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>
/// Healthy while the feedback store completes a small query within <see cref="Timeout"/>. Without the store the
/// server cannot record completions or feedback, so it takes part in readiness.
/// </summary>
public sealed class StoreHealthCheck(IFeedbackStore store) : IHealthCheck
{
    /// <summary>The check's name in health responses.</summary>
    public const string Name = "store";

    /// <summary>Maximum wait for the store's reply before the check fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
        CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            // Counting the outbox backlog reads a real table, so a missing schema fails too, not only a lost connection.
            await store.CountOutboxBacklogAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{store.Kind} store is reachable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(
                $"{store.Kind} store did not respond within {Timeout.TotalSeconds:F0} s");
        }
        catch (DbException exception)
        {
            return HealthCheckResult.Unhealthy($"{store.Kind} store query failed: {exception.Message}", exception);
        }
    }
}
