using Gantry.Hosting;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Upstream;

/// <summary>The upstream's health as the last poll saw it.</summary>
public enum UpstreamHealthStatus
{
    /// <summary>No poll has finished yet.</summary>
    Unknown,

    /// <summary>The upstream returned a success status from its health route.</summary>
    Healthy,

    /// <summary>The upstream could not be reached, or returned an error status.</summary>
    Unhealthy,
}

/// <summary>
/// The latest result of <see cref="UpstreamHealthMonitor"/>'s polls, read by the readiness check. Thread safe:
/// one immutable snapshot is swapped in per poll.
/// </summary>
public sealed class UpstreamHealth
{
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset _started;
    private readonly TimeSpan _loadTimeout;
    private volatile Snapshot _current = new(UpstreamHealthStatus.Unknown, "The upstream has not been checked yet.", null);
    private volatile bool _wasHealthy;

    /// <summary>Creates the state, taking the start of the load timeout from the clock.</summary>
    public UpstreamHealth(IOptions<GantryOptions> options, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _started = timeProvider.GetUtcNow();
        _loadTimeout = TimeSpan.FromSeconds(options.Value.ModelLoadTimeout);
    }

    /// <summary>The status of the last poll.</summary>
    public UpstreamHealthStatus Status => _current.Status;

    /// <summary>What the last poll found, for the readiness check's description.</summary>
    public string Description => _current.Description;

    /// <summary>When the last poll finished; null before the first.</summary>
    public DateTimeOffset? CheckedAt => _current.CheckedAt;

    /// <summary>
    /// The served model's state as the upstream's health shows it. It is loading until a poll first succeeds,
    /// because an engine such as vLLM fails its health route while it loads, and failed when no poll has
    /// succeeded within <see cref="GantryOptions.ModelLoadTimeout"/>. After that it is ready while polls
    /// succeed and failed while they fail.
    /// </summary>
    public ModelState ModelState => _current.Status switch
    {
        UpstreamHealthStatus.Healthy => ModelState.Ready,
        _ when _wasHealthy || IsLoadTimedOut => ModelState.Failed,
        _ => ModelState.Loading,
    };

    /// <summary>Why <see cref="ModelState"/> is failed; null when it is not.</summary>
    public string? FailureReason => ModelState != ModelState.Failed ? null
        : _wasHealthy ? Description
        : $"The upstream did not pass a health poll within the model load timeout of {_loadTimeout.TotalSeconds:0} s. "
            + Description;

    private bool IsLoadTimedOut => _timeProvider.GetUtcNow() - _started > _loadTimeout;

    /// <summary>Records the result of one poll.</summary>
    public void Report(UpstreamHealthStatus status, string description, DateTimeOffset checkedAt)
    {
        if (status == UpstreamHealthStatus.Healthy)
        {
            _wasHealthy = true;
        }

        _current = new Snapshot(status, description, checkedAt);
    }

    private sealed record Snapshot(UpstreamHealthStatus Status, string Description, DateTimeOffset? CheckedAt);
}
