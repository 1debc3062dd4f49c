namespace Gantry.Bench;

/// <summary>One server under test.</summary>
/// <param name="BaseUrl">Base URL such as <c>http://127.0.0.1:8000</c>; a trailing <c>/v1</c> is accepted.</param>
/// <param name="Model">Value of the <c>model</c> field, or null to use the first model of <c>GET /v1/models</c>.</param>
/// <param name="ApiKey">Bearer token, or null to send no <c>Authorization</c> header.</param>
public sealed record BenchTarget(Uri BaseUrl, string? Model, string? ApiKey)
{
    /// <summary>Builds the absolute URL of <paramref name="route"/>, a path under <c>/v1</c> such as <c>completions</c>.</summary>
    public Uri RouteUrl(string route)
    {
        var path = BaseUrl.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/v1", StringComparison.Ordinal))
        {
            path += "/v1";
        }

        return new UriBuilder(BaseUrl) { Path = path + "/" + route, Query = string.Empty }.Uri;
    }
}
