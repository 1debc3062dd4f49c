using System.Text;
using System.Text.Json;
using Gantry.Api;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Security;

/// <summary>
/// Stops requests to <c>/v1</c> that run past their time limit: it replaces <see cref="HttpContext.RequestAborted"/>
/// with a token that also fires at the deadline, so generation stops as it does when a client disconnects. A
/// request that has sent nothing yet gets a 504; a stream gets a final error event.
/// </summary>
public sealed partial class RequestDeadlineMiddleware(RequestDelegate next, IOptions<GantryOptions> options, TimeProvider time,
    ILogger<RequestDeadlineMiddleware> logger)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var clientAborted = context.RequestAborted;
        using var feature = new RequestDeadlineFeature(time.GetTimestamp(), time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, feature.Expired);
        feature.SetLimit(TimeSpan.FromSeconds(Math.Max(options.Value.RequestTimeout, options.Value.StreamTimeout)));
        context.Features.Set(feature);
        context.RequestAborted = deadline.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (feature.TimedOut && !clientAborted.IsCancellationRequested)
        {
            // Handled below, like a handler that returned after its generation was cancelled.
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }

        if (!feature.TimedOut || clientAborted.IsCancellationRequested)
        {
            return;
        }

        Log.TimedOut(logger, context.Request.Path.Value ?? "", feature.Limit.TotalSeconds);
        var error = AccessErrors.Timeout(feature.Limit.TotalSeconds);
        if (!context.Response.HasStarted)
        {
            await error.WriteAsync(context.Response);
            return;
        }

        if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true)
        {
            var json = JsonSerializer.Serialize(error.ToBody(), ApiJsonContext.Default.ApiErrorBody);
            try
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {json}\n\n"), clientAborted);
                await context.Response.Body.FlushAsync(clientAborted);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException)
            {
                // The client left while the error event was written.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6005, LogLevel.Information, "Stopped a request to {Path} after its limit of {LimitSeconds} s",
            EventName = "RequestTimedOut")]
        public static partial void TimedOut(ILogger logger, string path, double limitSeconds);
    }
}
