using System.Globalization;
using System.Threading.RateLimiting;
using Gantry.Api.Inference;
using Gantry.Options;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gantry.Security;

/// <summary>Wires access control and request limits into <c>gantry serve</c>.</summary>
public static class SecuritySetup
{
    private const string ExposurePrefix = "not started: ";

    /// <summary>
    /// Checks that the server is not exposed without keys and that the key file is valid. Returns every problem;
    /// an exposure problem comes alone, as one line that names the fix.
    /// </summary>
    public static IReadOnlyList<string> Validate(GantryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKeys))
        {
            return options.IsLoopbackHost() || options.AllowAnonymous
                ? []
                : [ExposurePrefix + $"--host {options.Host} is reachable from other machines and no --api-keys file is "
                    + "configured. Give --api-keys PATH, or --allow-anonymous to serve without authentication."];
        }

        using var store = ApiKeyStore.Open(options.ApiKeys, NullLogger.Instance, TimeProvider.System, out var errors);
        return errors;
    }

    /// <summary>Whether <paramref name="error"/> is the exposure error, which is printed without the usage hint.</summary>
    public static bool IsExposureError(string error) => error.StartsWith(ExposurePrefix, StringComparison.Ordinal);

    /// <summary>Registers the key store, the rate limiters, the inference limits and Kestrel's limits.</summary>
    public static void ConfigureServices(WebApplicationBuilder builder, GantryOptions options)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        if (!string.IsNullOrWhiteSpace(options.ApiKeys))
        {
            services.AddSingleton(provider => ApiKeyStore.Open(options.ApiKeys,
                provider.GetRequiredService<ILogger<ApiKeyStore>>(), provider.GetRequiredService<TimeProvider>(),
                out var errors) ?? throw new InvalidOperationException(string.Join(" ", errors)));
        }

        services.AddSingleton<TokenRateLimiter>();
        services.AddSingleton<IInferenceAdmission, InferenceLimits>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = CreateRequestLimiter(options.RateLimitRequestsPerMinute);
            limiter.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                rejected.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await AccessErrors.RateLimited("requests").WriteAsync(rejected.HttpContext.Response);
            };
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var limits = kestrel.Limits;
            limits.MaxRequestHeadersTotalSize = options.MaxRequestHeaderBytes;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeout);
            limits.MinRequestBodyDataRate = options.MinRequestBodyBytesPerSecond > 0
                ? new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5))
                : null;
            limits.MinResponseDataRate = options.MinResponseBytesPerSecond > 0
                ? new MinDataRate(options.MinResponseBytesPerSecond, TimeSpan.FromSeconds(5))
                : null;
        });
    }

    /// <summary>
    /// Adds the access check, the request rate limiter, the request time limit and the UTF-8 check of JSON bodies,
    /// in that order. The limiter then partitions by the authenticated key, and rejected callers never reach a
    /// handler or have their bodies read.
    /// </summary>
    public static void UseSecurity(WebApplication app)
    {
        app.UseMiddleware<AccessMiddleware>();
        app.UseRateLimiter();
        app.UseMiddleware<RequestDeadlineMiddleware>();
        app.UseMiddleware<Utf8BodyMiddleware>();
    }

    private static PartitionedRateLimiter<HttpContext> CreateRequestLimiter(int requestsPerMinute) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (requestsPerMinute <= 0 || !context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
            {
                return RateLimitPartition.GetNoLimiter(string.Empty);
            }

            var perStep = Math.Max(1, requestsPerMinute / 100);
            return RateLimitPartition.GetTokenBucketLimiter(CallerPartition.Of(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = requestsPerMinute,
                TokensPerPeriod = perStep,
                ReplenishmentPeriod = TimeSpan.FromMinutes((double)perStep / requestsPerMinute),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
}
