using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gantry.Feedback.Tests.Support;
using Prometheus;

namespace Gantry.Feedback.Tests.Api;

/// <summary>
/// The feedback API over real HTTP, run once per store: <see cref="SqliteFeedbackApiTests"/> and
/// <see cref="PostgresFeedbackApiTests"/>.
/// </summary>
public abstract class FeedbackApiContractTests : IAsyncLifetime
{
    private StoreTarget? _target;
    private FeedbackApiServer? _server;

    /// <summary>Whether the tests run on PostgreSQL rather than SQLite.</summary>
    protected abstract bool UsePostgres { get; }

    /// <summary>The database of the server started by <see cref="StartAsync"/>.</summary>
    protected StoreTarget Target => _target ?? throw new InvalidOperationException("Call StartAsync first.");

    /// <summary>The server started by <see cref="StartAsync"/>.</summary>
    protected FeedbackApiServer Server => _server ?? throw new InvalidOperationException("Call StartAsync first.");

    private HttpClient Client => Server.Client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Post_ValidFeedback_Returns201AndGetReadsIt()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-a", "model-a");

        var response = await PostAsync("""
            {"completion_id": "chatcmpl-a", "rating": "down", "score": 0.25, "correction": "Four.",
             "comment": "too terse", "tags": ["math", "style"], "source": "unit-test"}
            """);
        var body = await ReadJsonAsync(response);
        var id = body.GetProperty("id").GetString()!;
        var fetched = await Client.GetAsync($"/v1/feedback/{id}");
        var fetchedBody = await ReadJsonAsync(fetched);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("fb-", id);
        Assert.Equal("feedback", body.GetProperty("object").GetString());
        Assert.Equal("chatcmpl-a", body.GetProperty("completion_id").GetString());
        Assert.Equal("model-a", body.GetProperty("model").GetString());
        Assert.Equal("down", body.GetProperty("rating").GetString());
        Assert.Equal(0.25, body.GetProperty("score").GetDouble());
        Assert.Equal("Four.", body.GetProperty("correction").GetString());
        Assert.Equal("too terse", body.GetProperty("comment").GetString());
        Assert.Equal(["math", "style"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal("unit-test", body.GetProperty("source").GetString());
        Assert.Equal($"/v1/feedback/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(body.GetRawText(), fetchedBody.GetRawText());
    }

    [SkippableFact]
    public async Task Post_ScoreOnly_IsStoredWithoutRating()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-s", "model-s");

        var response = await PostAsync("""{"completion_id": "chatcmpl-s", "score": 1}""");
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("rating").ValueKind);
        Assert.Equal(1.0, body.GetProperty("score").GetDouble());
    }

    [SkippableFact]
    public async Task Post_UnknownCompletion_Returns404()
    {
        await StartAsync();

        var response = await PostAsync("""{"completion_id": "chatcmpl-missing", "rating": "up"}""");
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("completion_id", error.GetProperty("param").GetString());
        Assert.Equal("completion_not_found", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [SkippableFact]
    public async Task Get_UnknownFeedback_Returns404()
    {
        await StartAsync();

        var response = await Client.GetAsync("/v1/feedback/fb-0000");
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("id", error.GetProperty("param").GetString());
    }

    [SkippableFact]
    public async Task Post_NonJsonContentType_Returns415()
    {
        await StartAsync();

        using var content = new StringContent("""{"completion_id": "x", "rating": "up"}""", Encoding.UTF8, "text/plain");
        var response = await Client.PostAsync("/v1/feedback", content);
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
    }

    public static TheoryData<string, string?> InvalidBodies() => new()
    {
        { """{"completion_id": "chatcmpl-v", "rating": "up" """, null },
        { """[1, 2]""", null },
        { """{"rating": "up"}""", "completion_id" },
        { """{"completion_id": 42, "rating": "up"}""", "completion_id" },
        { """{"completion_id": "", "rating": "up"}""", "completion_id" },
        { $$"""{"completion_id": "{{new string('c', 129)}}", "rating": "up"}""", "completion_id" },
        { """{"completion_id": "chatcmpl-v"}""", "rating" },
        { """{"completion_id": "chatcmpl-v", "rating": "sideways"}""", "rating" },
        { """{"completion_id": "chatcmpl-v", "rating": true}""", "rating" },
        { """{"completion_id": "chatcmpl-v", "rating": "UP"}""", "rating" },
        { """{"completion_id": "chatcmpl-v", "score": 1.5}""", "score" },
        { """{"completion_id": "chatcmpl-v", "score": -0.1}""", "score" },
        { """{"completion_id": "chatcmpl-v", "score": "0.5"}""", "score" },
        { """{"completion_id": "chatcmpl-v", "rating": "up", "correction": 7}""", "correction" },
        { $$"""{"completion_id": "chatcmpl-v", "rating": "up", "correction": "{{new string('x', 32_769)}}"}""", "correction" },
        { $$"""{"completion_id": "chatcmpl-v", "rating": "up", "comment": "{{new string('x', 4_097)}}"}""", "comment" },
        { """{"completion_id": "chatcmpl-v", "rating": "up", "tags": "math"}""", "tags" },
        { """{"completion_id": "chatcmpl-v", "rating": "up", "tags": ["ok", 3]}""", "tags" },
        { $$"""{"completion_id": "chatcmpl-v", "rating": "up", "tags": ["{{new string('t', 65)}}"]}""", "tags" },
        { $$"""{"completion_id": "chatcmpl-v", "rating": "up", "tags": [{{string.Join(",", Enumerable.Repeat("\"t\"", 33))}}]}""", "tags" },
        { $$"""{"completion_id": "chatcmpl-v", "rating": "up", "source": "{{new string('s', 129)}}"}""", "source" },
        { """{"completion_id": "chatcmpl-v", "rating": "up", "source": {}}""", "source" },
    };

    [SkippableTheory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Post_InvalidBody_Returns400NamingField(string json, string? param)
    {
        await StartAsync();
        await RecordAsync("chatcmpl-v", "model-v");

        var response = await PostAsync(json);
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(0, await CountFeedbackAsync("model-v"));
    }

    [SkippableFact]
    public async Task Post_InvalidIdempotencyKey_Returns400()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-k", "model-k");

        var response = await PostAsync("""{"completion_id": "chatcmpl-k", "rating": "up"}""", idempotencyKey: "has space");
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Idempotency-Key", error.GetProperty("param").GetString());
    }

    [SkippableFact]
    public async Task Post_RetryWithSameKey_ReturnsFirstResponse()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-i", "model-i");
        const string json = """{"completion_id": "chatcmpl-i", "rating": "up", "tags": ["a"]}""";

        var first = await PostAsync(json, idempotencyKey: "key-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        var retry = await PostAsync("""{ "tags": ["a"], "rating": "up", "completion_id": "chatcmpl-i" }""", idempotencyKey: "key-1");
        var retryBody = await retry.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(firstBody, retryBody);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await CountFeedbackAsync("model-i"));
    }

    [SkippableFact]
    public async Task Post_ConcurrentRetriesWithSameKey_StoreOnce()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-c", "model-c");
        const string json = """{"completion_id": "chatcmpl-c", "rating": "down", "correction": "better"}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => PostAsync(json, idempotencyKey: "key-concurrent")));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(bodies.Distinct());
        Assert.Equal(1, await CountFeedbackAsync("model-c"));
    }

    [SkippableFact]
    public async Task Post_SameKeyDifferentBody_Returns422()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-r", "model-r");

        var first = await PostAsync("""{"completion_id": "chatcmpl-r", "rating": "up"}""", idempotencyKey: "key-r");
        var second = await PostAsync("""{"completion_id": "chatcmpl-r", "rating": "down"}""", idempotencyKey: "key-r");
        var error = (await ReadJsonAsync(second)).GetProperty("error");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("idempotency_key_reused", error.GetProperty("code").GetString());
        Assert.Equal(1, await CountFeedbackAsync("model-r"));
    }

    [SkippableFact]
    public async Task Post_SeveralEntriesPerCompletion_AllKept()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-m", "model-m");

        var up = await PostAsync("""{"completion_id": "chatcmpl-m", "rating": "up"}""");
        var down = await PostAsync("""{"completion_id": "chatcmpl-m", "rating": "down"}""");
        var again = await PostAsync("""{"completion_id": "chatcmpl-m", "rating": "up"}""");

        Assert.Equal(HttpStatusCode.Created, up.StatusCode);
        Assert.Equal(HttpStatusCode.Created, down.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(3, await CountFeedbackAsync("model-m"));
    }

    [SkippableFact]
    public async Task Stats_CountsByModelAndRating()
    {
        await StartAsync();
        await RecordAsync("chatcmpl-x1", "model-x");
        await RecordAsync("chatcmpl-y1", "model-y");
        await PostAsync("""{"completion_id": "chatcmpl-x1", "rating": "up"}""");
        await PostAsync("""{"completion_id": "chatcmpl-x1", "rating": "up", "score": 0.5}""");
        await PostAsync("""{"completion_id": "chatcmpl-x1", "rating": "down"}""");
        await PostAsync("""{"completion_id": "chatcmpl-x1", "score": 1}""");
        await PostAsync("""{"completion_id": "chatcmpl-y1", "rating": "down"}""");

        var all = await ReadJsonAsync(await Client.GetAsync("/v1/feedback/stats?window=1h"));
        var onlyY = await ReadJsonAsync(await Client.GetAsync("/v1/feedback/stats?model=model-y"));
        var models = all.GetProperty("models").EnumerateArray().ToArray();

        Assert.Equal("feedback.stats", all.GetProperty("object").GetString());
        Assert.Equal("1h", all.GetProperty("window").GetString());
        Assert.Equal(5, all.GetProperty("total").GetInt64());
        Assert.Equal(2, all.GetProperty("up").GetInt64());
        Assert.Equal(2, all.GetProperty("down").GetInt64());
        Assert.Equal(1, all.GetProperty("score_only").GetInt64());
        Assert.Equal(["model-x", "model-y"], models.Select(m => m.GetProperty("model").GetString()!).ToArray());
        Assert.Equal(4, models[0].GetProperty("total").GetInt64());
        Assert.Equal(2, models[0].GetProperty("score_count").GetInt64());
        Assert.Equal(0.75, models[0].GetProperty("mean_score").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, models[1].GetProperty("mean_score").ValueKind);
        Assert.Equal("24h", onlyY.GetProperty("window").GetString());
        Assert.Equal("model-y", onlyY.GetProperty("model").GetString());
        Assert.Equal(1, onlyY.GetProperty("total").GetInt64());
        Assert.Equal(1, onlyY.GetProperty("down").GetInt64());
    }

    [SkippableTheory]
    [InlineData("0h")]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("1w")]
    [InlineData("366d")]
    [InlineData("-1h")]
    public async Task Stats_InvalidWindow_Returns400(string window)
    {
        await StartAsync();

        var response = await Client.GetAsync($"/v1/feedback/stats?window={Uri.EscapeDataString(window)}");
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("window", error.GetProperty("param").GetString());
    }

    [SkippableFact]
    public async Task Post_Feedback_CountsMetricWithStoredModel()
    {
        await StartAsync();
        var model = "metric-model-" + Guid.NewGuid().ToString("N")[..8];
        await RecordAsync("chatcmpl-metric", model);

        await PostAsync("""{"completion_id": "chatcmpl-metric", "rating": "up"}""");
        await PostAsync("""{"completion_id": "chatcmpl-metric", "score": 0.5}""");
        using var exported = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(exported);
        var text = Encoding.UTF8.GetString(exported.ToArray());

        Assert.Contains($"gantry_feedback_total{{model=\"{model}\",rating=\"up\"}} 1", text);
        Assert.Contains($"gantry_feedback_total{{model=\"{model}\",rating=\"score\"}} 1", text);
        Assert.Contains("gantry_retraining_triggers_total{outcome=\"sent\"}", text);
        Assert.Contains("gantry_retraining_triggers_total{outcome=\"failed\"}", text);
        Assert.Contains("\ngantry_outbox_backlog_events ", text);
    }

    /// <summary>Starts a fresh database and server for this test, or skips when PostgreSQL is not available.</summary>
    protected async Task StartAsync(string capture = "full")
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        _server = await FeedbackApiServer.StartAsync(_target.Directory.Path, _target.Database, capture);
    }

    private Task RecordAsync(string id, string model) => _server!.Recorder.RecordAsync(Records.Completion(id, model), CancellationToken.None);

    private async Task<HttpResponseMessage> PostAsync(string json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/feedback")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await Client.SendAsync(request);
    }

    private async Task<long> CountFeedbackAsync(string model)
    {
        var stats = await ReadJsonAsync(await Client.GetAsync($"/v1/feedback/stats?model={model}"));
        return stats.GetProperty("total").GetInt64();
    }

    protected static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}

/// <summary>The feedback API contract on SQLite.</summary>
public sealed class SqliteFeedbackApiTests : FeedbackApiContractTests
{
    protected override bool UsePostgres => false;

    [Fact]
    public async Task Post_CaptureOff_Returns404()
    {
        await StartAsync(capture: "off");
        await Server.Recorder.RecordAsync(Records.Completion("chatcmpl-off"), CancellationToken.None);

        using var content = new StringContent("""{"completion_id": "chatcmpl-off", "rating": "up"}""", Encoding.UTF8, "application/json");
        var response = await Server.Client.PostAsync("/v1/feedback", content);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Post_StoreFailure_Returns503()
    {
        await StartAsync();
        await Server.Recorder.RecordAsync(Records.Completion("chatcmpl-broken"), CancellationToken.None);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Target.Directory.Path, "gantry.db")}"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE feedback";
            await drop.ExecuteNonQueryAsync();
        }

        using var content = new StringContent("""{"completion_id": "chatcmpl-broken", "rating": "up"}""", Encoding.UTF8, "application/json");
        var response = await Server.Client.PostAsync("/v1/feedback", content);
        var error = (await ReadJsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("store_unavailable", error.GetProperty("code").GetString());
    }
}

/// <summary>The feedback API contract on PostgreSQL.</summary>
public sealed class PostgresFeedbackApiTests : FeedbackApiContractTests
{
    protected override bool UsePostgres => true;
}
