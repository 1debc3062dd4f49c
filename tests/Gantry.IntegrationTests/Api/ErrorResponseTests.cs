using System.Net;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Api;

/// <summary>A server with a 64-token context and a 4 KiB body limit, for the error tests.</summary>
public sealed class SmallLimitsFixture<TModel> : ServerFixture<TModel>
    where TModel : ITestModel
{
    /// <inheritdoc />
    protected override IEnumerable<string> Arguments =>
        ["--context-size", "64", "--max-request-body-bytes", "4096", "--parallel", "2"];
}

/// <summary>Every kind of bad input gets the OpenAI error body with the right status, type, param and code.</summary>
public abstract class ErrorResponseTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    public static TheoryData<string, string, string?, string> InvalidChatBodies => new()
    {
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}]""", "invalid_json", null, "not valid JSON" },
        { """[1,2]""", "invalid_value", null, "JSON object" },
        { """{"model":"test-model"}""", "missing_required_parameter", "messages", "messages" },
        { """{"messages":[{"role":"user","content":"hi"}]}""", "missing_required_parameter", "model", "model" },
        { """{"model":7,"messages":[{"role":"user","content":"hi"}]}""", "invalid_type", "model", "string" },
        { """{"model":"test-model","messages":[]}""", "invalid_value", "messages", "non-empty" },
        { """{"model":"test-model","messages":"hi"}""", "invalid_type", "messages", "non-empty" },
        { """{"model":"test-model","messages":[{"role":"robot","content":"hi"}]}""", "invalid_value", "messages[0].role", "role" },
        { """{"model":"test-model","messages":[{"content":"hi"}]}""", "missing_required_parameter", "messages[0].role", "role" },
        { """{"model":"test-model","messages":[{"role":"user","content":5}]}""", "invalid_type", "messages[0].content", "content" },
        { """{"model":"test-model","messages":[{"role":"user"}]}""", "missing_required_parameter", "messages[0].content", "content" },
        { """{"model":"test-model","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "unsupported_value", "messages[0].content[0].type", "text" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "invalid_type", "temperature", "number" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"temperature":2.5}""", "invalid_value", "temperature", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"top_p":1.5}""", "invalid_value", "top_p", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"top_k":-5}""", "invalid_value", "top_k", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"min_p":-0.1}""", "invalid_value", "min_p", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"repetition_penalty":0}""", "invalid_value", "repetition_penalty", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"presence_penalty":3}""", "invalid_value", "presence_penalty", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"frequency_penalty":-3}""", "invalid_value", "frequency_penalty", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "invalid_value", "max_tokens", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"max_tokens":"ten"}""", "invalid_type", "max_tokens", "integer" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":-1}""", "invalid_value", "max_completion_tokens", "between" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"max_tokens":1e400}""", "invalid_type", "max_tokens", "integer" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"seed":1.5}""", "invalid_type", "seed", "integer" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"n":2}""", "unsupported_value", "n", "n = 1" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stop":5}""", "invalid_type", "stop", "stop" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stop":["ok",""]}""", "invalid_type", "stop", "non-empty" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "invalid_type", "stream", "boolean" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "invalid_value", "stream_options", "stream" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":1}}""", "invalid_type", "stream_options.include_usage", "boolean" },
        { """{"model":"test-model","model":"other","messages":[{"role":"user","content":"hi"}]}""", "duplicate_field", "model", "more than once" },
        { """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"ignore_eos":"no"}""", "invalid_type", "ignore_eos", "boolean" },
    };

    public static TheoryData<string, string, string?> InvalidCompletionBodies => new()
    {
        { """{"model":"test-model"}""", "missing_required_parameter", "prompt" },
        { """{"model":"test-model","prompt":[1,2,3]}""", "invalid_type", "prompt" },
        { """{"model":"test-model","prompt":["a","b"]}""", "invalid_type", "prompt" },
        { """{"model":"test-model","prompt":"a","echo":true}""", "unsupported_parameter", "echo" },
        { """{"model":"test-model","prompt":"a","n":3}""", "unsupported_value", "n" },
    };

    [SkippableTheory]
    [MemberData(nameof(InvalidChatBodies))]
    public async Task Chat_InvalidBody_Returns400NamingField(string body, string code, string? param, string messagePart)
    {
        using var client = CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Raw(body));

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", code);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(messagePart, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [SkippableTheory]
    [MemberData(nameof(InvalidCompletionBodies))]
    public async Task Completion_InvalidBody_Returns400NamingField(string body, string code, string? param)
    {
        using var client = CreateClient();

        using var response = await client.PostAsync("/v1/completions", Json.Raw(body));

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", code);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [SkippableFact]
    public async Task Chat_UnknownModel_Returns404()
    {
        using var client = CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = "gpt-nonexistent",
            messages = new[] { new { role = "user", content = "hi" } },
        }));

        var error = await AssertErrorAsync(response, HttpStatusCode.NotFound, "invalid_request_error", "model_not_found");
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("gpt-nonexistent", error.GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task Completion_PromptPlusMaxTokensOverContext_Returns400WithCounts()
    {
        using var client = CreateClient();
        var prompt = string.Join(' ', Enumerable.Repeat("word", 20));

        using var response = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt,
            max_tokens = 50,
        }));

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", "context_length_exceeded");
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("maximum context length is 64 tokens", message);
        Assert.Contains("50 in the completion", message);
        Assert.Matches(@"\(\d+ in the prompt", message);
        Assert.Equal("prompt", error.GetProperty("param").GetString());
    }

    [SkippableFact]
    public async Task Chat_PromptLongerThanContext_Returns400()
    {
        using var client = CreateClient();
        var content = string.Join(' ', Enumerable.Repeat("word", 200));

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = fixture.ModelName,
            messages = new[] { new { role = "user", content } },
        }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", "context_length_exceeded");
    }

    [SkippableFact]
    public async Task Chat_TextPlainBody_Returns415()
    {
        using var client = CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Raw("{}", "text/plain"));

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "invalid_request_error", "unsupported_media_type");
    }

    [SkippableFact]
    public async Task Chat_BodyOverLimit_Returns413()
    {
        using var client = CreateClient();
        var content = new string('x', 10_000);

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = fixture.ModelName,
            messages = new[] { new { role = "user", content } },
        }));

        var error = await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "invalid_request_error", "payload_too_large");
        Assert.Contains("4096", error.GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task Chat_ChunkedBodyOverLimit_Returns413()
    {
        using var client = CreateClient();
        var body = new StreamContent(new MemoryStream(new byte[10_000]));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = body };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "invalid_request_error", "payload_too_large");
    }

    [SkippableFact]
    public async Task UnknownRoute_Returns404WithErrorBody()
    {
        using var client = CreateClient();

        using var response = await client.GetAsync("/v1/embeddings-nope");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, "invalid_request_error", "unknown_route");
    }

    [SkippableFact]
    public async Task Server_AfterErrors_StillServes()
    {
        using var client = CreateClient();
        await client.PostAsync("/v1/chat/completions", Json.Raw("{{{{"));

        using var response = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt = "Hello",
            max_tokens = 4,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json.ReadAsync(response);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString());
    }

    private HttpClient CreateClient()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        return fixture.Server.CreateClient();
    }

    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status,
        string type, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await Json.ReadAsync(response);
        var error = body.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        return error;
    }
}

/// <summary>Error tests on the generated model.</summary>
public sealed class GeneratedModelErrorResponseTests(SmallLimitsFixture<GeneratedModel> fixture)
    : ErrorResponseTests<SmallLimitsFixture<GeneratedModel>>(fixture);

/// <summary>Error tests on the external llama-2 model.</summary>
public sealed class SharedModelErrorResponseTests(SmallLimitsFixture<SharedModel> fixture)
    : ErrorResponseTests<SmallLimitsFixture<SharedModel>>(fixture);
