using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>Polls HTTP routes of a server until they return a given status, with a deadline.</summary>
public static class Probe
{
    /// <summary>The default deadline for a server state change such as a finished load.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>GETs <paramref name="path"/> and returns the status and the JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await Json.ReadAsync(response));
    }

    /// <summary>
    /// GETs <paramref name="path"/> until it returns <paramref name="status"/> and returns that body. Each
    /// other response goes to <paramref name="onOtherStatus"/>, which may assert on it.
    /// </summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status,
        Func<HttpStatusCode, JsonElement, Task>? onOtherStatus = null, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (actual, body) = await GetJsonAsync(client, path);
            if (actual == status)
            {
                return body;
            }

            if (onOtherStatus is not null)
            {
                await onOtherStatus(actual, body);
            }

            if (deadline.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException($"{path} still returns {(int)actual} instead of {(int)status}: {body}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The status and description of the check named <paramref name="name"/> in a health body.</summary>
    public static (string Status, string Description) GetCheck(JsonElement health, string name)
    {
        var check = health.GetProperty("checks").GetProperty(name);
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString()!);
    }
}
