using Gantry.Api.Inference;
using Gantry.Api.Models;
using Gantry.Upstream;
using Microsoft.AspNetCore.Http.Features;

namespace Gantry.Api;

/// <summary>Maps the OpenAI-compatible routes under <c>/v1</c> and gives unknown ones the OpenAI error shape.</summary>
public static class OpenAIApi
{
    /// <summary>Adds <c>/v1/chat/completions</c>, <c>/v1/completions</c>, <c>/v1/models</c> and a 404 for the rest of <c>/v1</c>.</summary>
    public static IEndpointRouteBuilder MapOpenAIApi(this IEndpointRouteBuilder routes)
    {
        if (routes.ServiceProvider.GetService<UpstreamHandler>() is not null)
        {
            routes.MapUpstreamInference();
        }
        else
        {
            routes.MapPost("/v1/chat/completions", (HttpContext context, InferenceHandler handler) =>
                handler.HandleAsync(context, EndpointKind.Chat));
            routes.MapPost("/v1/completions", (HttpContext context, InferenceHandler handler) =>
                handler.HandleAsync(context, EndpointKind.Completions));
        }

        routes.MapModelsApi();
        routes.Map("/v1/{**path}", (string? path) =>
            ApiError.NotFound($"Unknown route '/v1/{path}'.", code: "unknown_route").ToResult());
        return routes;
    }

    /// <summary>
    /// Turns Kestrel's rejections of a request (body too large, malformed framing) on <c>/v1</c> routes into the
    /// OpenAI error shape with the same status.
    /// </summary>
    public static IApplicationBuilder UseOpenAIErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength is { } length
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            && length > limit)
        {
            // Kestrel closes the connection after responding to a request whose unread body is over the limit. With
            // this header the client sends its next request on a new connection instead of this closing one.
            context.Response.Headers.Connection = "close";
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            var error = exception.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? InferenceHandler.PayloadTooLarge(context)
                : new ApiError(exception.StatusCode, exception.Message, "invalid_request_error", null, "bad_request");
            await error.WriteAsync(context.Response);
        }
    });
}
