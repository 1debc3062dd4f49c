using System.Diagnostics;

namespace Gantry.Logging;

/// <summary>
/// Echoes the request's W3C trace context in a <c>traceparent</c> response header. ASP.NET Core starts the
/// request's <see cref="Activity"/> from an incoming <c>traceparent</c>, so the trace id stays the caller's and
/// the span id is this server's; logs written during the request carry the same trace id.
/// </summary>
public sealed class TraceParentMiddleware(RequestDelegate next)
{
    /// <summary>Handles one request.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var activity = Activity.Current;
        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            context.Response.Headers["traceparent"] = activity.Id;
        }

        return next(context);
    }
}
