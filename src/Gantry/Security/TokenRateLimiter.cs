using System.Threading.RateLimiting;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Security;

/// <summary>
/// A per-partition token bucket of <see cref="GantryOptions.RateLimitTokensPerMinute"/> tokens that refills
/// continuously. A request takes its prompt tokens plus <c>max_tokens</c> when it is admitted; tokens it did not
/// use are not given back, so the limit is an upper bound on what a caller can make the engine do.
/// </summary>
public sealed class TokenRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly int _tokensPerMinute;

    /// <summary>Creates the limiter; with a limit of 0 every request is admitted.</summary>
    public TokenRateLimiter(IOptions<GantryOptions> options)
    {
        _tokensPerMinute = options.Value.RateLimitTokensPerMinute;
        if (_tokensPerMinute <= 0)
        {
            return;
        }

        // Refill in 100 steps a minute: a caller who spent its budget waits about as long as the requested tokens
        // take to come back, not until the next whole minute.
        var perStep = Math.Max(1, _tokensPerMinute / 100);
        var period = TimeSpan.FromMinutes((double)perStep / _tokensPerMinute);
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(
            partition, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = _tokensPerMinute,
                TokensPerPeriod = perStep,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>The per-minute budget of one partition; 0 when unlimited.</summary>
    public int TokensPerMinute => _limiter is null ? 0 : _tokensPerMinute;

    /// <summary>
    /// Takes <paramref name="tokens"/> from the partition's bucket. Returns false, with the wait before the bucket
    /// could hold them, when it does not hold them now.
    /// </summary>
    public bool TryTake(string partition, int tokens, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return true;
        }

        // TokenBucketRateLimiter throws for more permits than the bucket holds; callers check TokensPerMinute first.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tokens, _tokensPerMinute);
        using var lease = _limiter.AttemptAcquire(partition, tokens);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return false;
    }

    /// <inheritdoc />
    public void Dispose() => _limiter?.Dispose();
}
