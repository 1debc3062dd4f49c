using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>JSON helpers for raw HTTP tests.</summary>
public static class Json
{
    /// <summary>A request body with <c>Content-Type: application/json</c>.</summary>
    public static HttpContent Content(object value) => JsonContent.Create(value);

    /// <summary>A request body from raw text with the given content type.</summary>
    public static HttpContent Raw(string text, string contentType = "application/json") =>
        new StringContent(text, Encoding.UTF8, contentType);

    /// <summary>Reads a response body as a JSON document.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
