using Gantry.Hosting;

namespace Gantry.Api.Models;

/// <summary>Maps <c>GET /v1/models</c>, which lists the one served model.</summary>
public static class ModelsApi
{
    /// <summary>Adds the route.</summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder routes)
    {
        var started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        routes.MapGet("/v1/models", (ModelHost models) => Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new { id = models.ModelName, @object = "model", created = started, owned_by = "gantry" },
            },
        }));
        routes.MapGet("/v1/models/{id}", (string id, ModelHost models) => id == models.ModelName
            ? Results.Json(new { id = models.ModelName, @object = "model", created = started, owned_by = "gantry" })
            : ApiError.NotFound($"The model '{id}' does not exist.", "model", "model_not_found").ToResult());
        return routes;
    }
}
