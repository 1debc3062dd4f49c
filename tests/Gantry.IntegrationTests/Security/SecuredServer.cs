using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>An API key for a test server: the secret a client sends and the entry the key file lists.</summary>
public sealed record TestKey(string Secret, string Name, string Tenant, params string[] Scopes)
{
    /// <summary>Adds <c>Authorization: Bearer SECRET</c> to a request.</summary>
    public void Authorize(HttpRequestMessage request) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
}

/// <summary>Starts <c>gantry serve</c> with a key file on the generated model, and helpers to call it with a key.</summary>
public static class SecuredServer
{
    /// <summary>The model id the servers serve.</summary>
    public const string ModelName = "test-model";

    /// <summary>Writes <paramref name="keys"/> as a key file into <paramref name="directory"/> and returns its path.</summary>
    public static string WriteKeyFile(string directory, IEnumerable<TestKey> keys)
    {
        var path = Path.Combine(directory, "keys.json");
        WriteKeyFileTo(path, keys);
        return path;
    }

    /// <summary>Writes <paramref name="keys"/> as a key file at <paramref name="path"/>, replacing it atomically.</summary>
    public static void WriteKeyFileTo(string path, IEnumerable<TestKey> keys)
    {
        var json = JsonSerializer.Serialize(new
        {
            keys = keys.Select(k => new
            {
                name = k.Name,
                sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(k.Secret))),
                tenant = k.Tenant,
                scopes = k.Scopes,
            }),
        });
        var staging = path + ".tmp";
        File.WriteAllText(staging, json);
        File.Move(staging, path, overwrite: true);
    }

    /// <summary>
    /// Starts a server on the generated model with the given keys (none: no key file) and options, and waits until
    /// <paramref name="readyKey"/> gets a one-token completion.
    /// </summary>
    public static async Task<KeyedServer> StartAsync(IReadOnlyList<TestKey> keys, IEnumerable<string> arguments,
        TestKey? readyKey = null)
    {
        var keyDirectory = Directory.CreateTempSubdirectory("gantry-keys-").FullName;
        var keyFile = WriteKeyFile(keyDirectory, keys);
        var keyArguments = keys.Count == 0 ? [] : new[] { "--api-keys", keyFile };
        var model = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
        GantryServer? server = null;
        try
        {
            server = await GantryServer.StartAsync(["--model", model, "--model-name", ModelName, .. keyArguments, .. arguments]);
            await WaitUntilReadyAsync(server, readyKey ?? keys.FirstOrDefault());
            return new KeyedServer(server, keyFile);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(keyDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>Polls a one-token completion with <paramref name="key"/> until it succeeds.</summary>
    public static async Task WaitUntilReadyAsync(GantryServer server, TestKey? key)
    {
        using var client = server.CreateClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var request = Completion(key, "a", 1);
            using var response = await client.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(90) || server.HasExited)
            {
                throw new InvalidOperationException(
                    $"gantry did not become ready ({(int)response.StatusCode}):\n{string.Join('\n', server.Output)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A <c>/v1/completions</c> request with <paramref name="key"/>, if any.</summary>
    public static HttpRequestMessage Completion(TestKey? key, string prompt, int maxTokens, bool stream = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json.Content(new { model = ModelName, prompt, max_tokens = maxTokens, ignore_eos = true, stream }),
        };
        key?.Authorize(request);
        return request;
    }

    /// <summary>A request with <paramref name="key"/>, if any.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, TestKey? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Content(body) };
        key?.Authorize(request);
        return request;
    }

    /// <summary>Reads the <c>error</c> object of an OpenAI error response, failing when the body has another shape.</summary>
    public static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json",
            $"{(int)response.StatusCode} came with content type '{response.Content.Headers.ContentType}': {text}");
        using var document = JsonDocument.Parse(text);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("code", out _), $"The error has no 'code': {text}");
        return error.Clone();
    }
}

/// <summary>A server started by <see cref="SecuredServer"/> and its key file; disposing stops both.</summary>
public sealed class KeyedServer(GantryServer server, string keyFile) : IAsyncDisposable
{
    /// <summary>The running server.</summary>
    public GantryServer Server => server;

    /// <summary>The key file the server reads.</summary>
    public string KeyFile => keyFile;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(keyFile)!, recursive: true);
    }
}

/// <summary>Reads a process's resident memory from <c>/proc</c>.</summary>
public static class ProcessMemory
{
    /// <summary>The resident set size of <paramref name="processId"/> in bytes (VmRSS).</summary>
    public static long ReadRssBytes(int processId)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0],
                    System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{processId}/status has no VmRSS line.");
    }
}

/// <summary>Sizes of the fault suite, from environment variables so CI can bound them.</summary>
public static class FaultSizes
{
    /// <summary>Hostile requests to send (<c>GANTRY_FAULT_REQUESTS</c>, default 10000).</summary>
    public static int HostileRequests => Read("GANTRY_FAULT_REQUESTS", 10_000);

    /// <summary>Streaming clients that disconnect (<c>GANTRY_FAULT_DISCONNECTS</c>, default 300).</summary>
    public static int Disconnects => Read("GANTRY_FAULT_DISCONNECTS", 300);

    /// <summary>SIGKILLs in the crash test (<c>GANTRY_FAULT_KILLS</c>, default 5).</summary>
    public static int Kills => Read("GANTRY_FAULT_KILLS", 5);

    /// <summary>Overload factor over <c>--parallel</c> plus <c>--max-queue</c> (<c>GANTRY_FAULT_OVERLOAD</c>, default 10).</summary>
    public static int OverloadFactor => Read("GANTRY_FAULT_OVERLOAD", 10);

    /// <summary>The allowed growth of the server's resident memory over its baseline during a fault test.</summary>
    public const long MemoryBoundBytes = 200L * 1024 * 1024;

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
}
