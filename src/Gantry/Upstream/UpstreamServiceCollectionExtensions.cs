using Gantry.Api.Inference;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gantry.Upstream;

/// <summary>Composition of upstream engine mode.</summary>
public static class UpstreamServiceCollectionExtensions
{
    /// <summary>
    /// Registers the upstream client, the inference handler that forwards to it, the health monitor and the
    /// <c>upstream</c> health check tagged <c>ready</c>.
    /// </summary>
    public static IServiceCollection AddUpstreamEngine(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<UpstreamClient>();
        services.AddSingleton<UpstreamHandler>();
        services.AddSingleton<UpstreamHealth>();
        services.AddHostedService<UpstreamHealthMonitor>();
        services.AddHealthChecks().AddCheck<UpstreamHealthCheck>(UpstreamHealthCheck.Name, tags: ["ready"]);
        return services;
    }

    /// <summary>Maps <c>/v1/chat/completions</c> and <c>/v1/completions</c> to <see cref="UpstreamHandler"/>.</summary>
    public static IEndpointRouteBuilder MapUpstreamInference(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/chat/completions", (HttpContext context, UpstreamHandler handler) =>
            handler.HandleAsync(context, EndpointKind.Chat));
        routes.MapPost("/v1/completions", (HttpContext context, UpstreamHandler handler) =>
            handler.HandleAsync(context, EndpointKind.Completions));
        return routes;
    }
}
