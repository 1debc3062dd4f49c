using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Security;

/// <summary>
/// Authenticates every request that is not a health probe (or an open <c>/metrics</c>) by its
/// <c>Authorization: Bearer KEY</c> header and checks the scope its route needs. Routes that nothing maps still
/// need a valid key, so an unauthenticated client learns nothing about which routes exist.
/// </summary>
/// <remarks>Without <paramref name="keys"/> (no key file configured) every caller is <see cref="Caller.Anonymous"/>.</remarks>
public sealed partial class AccessMiddleware(RequestDelegate next, IOptions<GantryOptions> options,
    ILogger<AccessMiddleware> logger, ApiKeyStore? keys = null)
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>Handles one request.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var scope = RequiredScope(context.Request, options.Value.MetricsRequireAdmin, out var open);
        if (open)
        {
            return next(context);
        }

        if (keys is null)
        {
            context.SetCaller(Caller.Anonymous);
            return next(context);
        }

        var header = context.Request.Headers.Authorization;
        var presented = header.Count == 1 ? header[0] : null;
        ApiKey? key = null;
        if (presented is not null && presented.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var secret = presented[BearerPrefix.Length..].Trim();
            key = secret.Length is > 0 and <= 4096 ? keys.Find(secret) : null;
        }

        if (key is null)
        {
            Log.Rejected(logger, context.Request.Path.Value ?? "", header.Count > 0 ? "invalid key" : "no key");
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AccessErrors.InvalidKey(header.Count > 0).WriteAsync(context.Response);
        }

        if (scope is not null && !key.Scopes.Contains(scope))
        {
            Log.Forbidden(logger, key.Name, context.Request.Path.Value ?? "", scope);
            return AccessErrors.MissingScope(scope).WriteAsync(context.Response);
        }

        context.SetCaller(key.ToCaller());
        return next(context);
    }

    /// <summary>
    /// The scope a route needs; null with <paramref name="open"/> false means any valid key (unknown routes).
    /// </summary>
    public static string? RequiredScope(HttpRequest request, bool metricsRequireAdmin, out bool open)
    {
        var path = request.Path;
        open = false;
        if (path.Equals("/health", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            open = true;
            return null;
        }

        if (path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase))
        {
            open = !metricsRequireAdmin;
            return ApiScopes.Admin;
        }

        if (path.StartsWithSegments("/v1/feedback/stats", StringComparison.OrdinalIgnoreCase))
        {
            return ApiScopes.Admin;
        }

        if (path.StartsWithSegments("/v1/feedback", StringComparison.OrdinalIgnoreCase))
        {
            return ApiScopes.Feedback;
        }

        if (path.StartsWithSegments("/v1/chat/completions", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/v1/completions", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/v1/models", StringComparison.OrdinalIgnoreCase))
        {
            return ApiScopes.Inference;
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(6003, LogLevel.Debug, "Rejected a request to {Path}: {Reason}", EventName = "AuthenticationFailed")]
        public static partial void Rejected(ILogger logger, string path, string reason);

        [LoggerMessage(6004, LogLevel.Debug, "Key {KeyName} lacks scope {Scope} for {Path}", EventName = "ScopeMissing")]
        public static partial void Forbidden(ILogger logger, string keyName, string path, string scope);
    }
}
