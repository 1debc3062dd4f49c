using Gantry.Feedback.Stores;
using Microsoft.Extensions.Hosting;

namespace Gantry.Feedback.Hosting;

/// <summary>
/// Runs the store migrations in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host calls before
/// any hosted service starts, so the HTTP server never takes a request against an old schema. Then publishes the
/// feedback metrics that exist before the first event.
/// </summary>
public sealed class FeedbackStartupService(IFeedbackStore store) : IHostedLifecycleService
{
    /// <inheritdoc />
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        FeedbackMetrics.Initialize(await store.CountOutboxBacklogAsync(cancellationToken));
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
