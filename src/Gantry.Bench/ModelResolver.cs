using System.Net.Http.Headers;
using System.Text.Json;

namespace Gantry.Bench;

/// <summary>Finds the model name to send when <c>--model</c> is not given: the first entry of <c>GET /v1/models</c>.</summary>
public static class ModelResolver
{
    /// <summary>
    /// Returns the target's model, or the first model the server lists; throws
    /// <see cref="InvalidOperationException"/> with a readable message when the list cannot be read.
    /// </summary>
    public static async Task<string> ResolveAsync(HttpClient client, BenchTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Model is { } model)
        {
            return model;
        }

        var url = target.RouteUrl("models");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (target.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await client.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {url} returned status {(int)response.StatusCode}; give the model with --model.");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                && data.GetArrayLength() > 0 && data[0].TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                return id.GetString()!;
            }

            throw new InvalidOperationException($"GET {url} listed no model; give the model with --model.");
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"Could not list the models at {url}: {exception.Message} Give the model with --model.", exception);
        }
    }
}
