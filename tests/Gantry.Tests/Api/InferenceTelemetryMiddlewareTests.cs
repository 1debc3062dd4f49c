using Gantry.Api.Inference;
using Microsoft.AspNetCore.Http;

namespace Gantry.Tests.Api;

public sealed class InferenceTelemetryMiddlewareTests
{
    [Theory]
    [InlineData("POST", "/v1/chat/completions", EndpointKind.Chat)]
    [InlineData("POST", "/V1/Chat/Completions", EndpointKind.Chat)]
    [InlineData("POST", "/v1/completions", EndpointKind.Completions)]
    [InlineData("GET", "/v1/completions", null)]
    [InlineData("POST", "/v1/models", null)]
    [InlineData("POST", "/v1/completions/extra", null)]
    [InlineData("POST", "/health", null)]
    public void GetEndpoint_MatchesOnlyGenerationRoutes(string method, string path, EndpointKind? expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;

        var endpoint = InferenceTelemetryMiddleware.GetEndpoint(context.Request);

        Assert.Equal(expected, endpoint);
    }
}
