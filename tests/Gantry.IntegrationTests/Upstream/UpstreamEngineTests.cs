using System.Net;
using System.Text;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;
using OpenAI.Chat;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>
/// A Gantry in upstream mode in front of a Gantry with the in-process engine: with temperature 0, every response
/// through the front server equals the response of the upstream called directly.
/// </summary>
public abstract class UpstreamEngineTests<TModel>(UpstreamPairFixture<TModel> fixture)
    : IClassFixture<UpstreamPairFixture<TModel>>
    where TModel : ITestModel
{
    private const string ClientModel = UpstreamPair.ClientModel;
    private const string UpstreamModel = UpstreamPair.UpstreamModel;

    [SkippableFact]
    public async Task Chat_EqualsUpstreamAnswer()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var direct = UpstreamPair.CreateOpenAIClient(fixture.Engine).GetChatClient(UpstreamModel);
        var proxied = UpstreamPair.CreateOpenAIClient(fixture.Proxy).GetChatClient(ClientModel);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 };
        ChatMessage[] messages = [new SystemChatMessage("You are terse."), new UserChatMessage("Say hello.")];

        ChatCompletion expected = await direct.CompleteChatAsync(messages, options);
        ChatCompletion actual = await proxied.CompleteChatAsync(messages, options);

        Assert.Equal(Text(expected), Text(actual));
        Assert.Equal(ClientModel, actual.Model);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        Assert.Equal(expected.Usage.InputTokenCount, actual.Usage.InputTokenCount);
        Assert.Equal(expected.Usage.OutputTokenCount, actual.Usage.OutputTokenCount);
        Assert.StartsWith("chatcmpl-", actual.Id);
    }

    [SkippableFact]
    public async Task ChatStreaming_EqualsUpstreamAnswer()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var direct = UpstreamPair.CreateOpenAIClient(fixture.Engine).GetChatClient(UpstreamModel);
        var proxied = UpstreamPair.CreateOpenAIClient(fixture.Proxy).GetChatClient(ClientModel);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 };
        ChatCompletion expected = await direct.CompleteChatAsync([new UserChatMessage("Stream this.")], options);

        var text = new StringBuilder();
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in proxied.CompleteChatStreamingAsync([new UserChatMessage("Stream this.")], options))
        {
            updates.Add(update);
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
        }

        Assert.Equal(Text(expected), text.ToString());
        Assert.Equal(ChatMessageRole.Assistant, updates[0].Role);
        Assert.Equal(expected.FinishReason, updates.Last(u => u.FinishReason is not null).FinishReason);
        Assert.All(updates, u => Assert.Equal(ClientModel, u.Model));
        var usage = updates.Last().Usage;
        Assert.NotNull(usage);
        Assert.Equal(expected.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(expected.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [SkippableFact]
    public async Task Completion_EqualsUpstreamAnswer()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var direct = fixture.Engine.CreateClient();
        using var proxied = fixture.Proxy.CreateClient();

        var expected = await PostCompletionAsync(direct, UpstreamModel);
        var actual = await PostCompletionAsync(proxied, ClientModel);

        Assert.Equal(ClientModel, actual.GetProperty("model").GetString());
        Assert.Equal(ChoiceText(expected), ChoiceText(actual));
        Assert.Equal(expected.GetProperty("usage").GetRawText(), actual.GetProperty("usage").GetRawText());
        Assert.Equal(expected.GetProperty("choices")[0].GetProperty("finish_reason").GetString(),
            actual.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompletionStreaming_EqualsUpstreamAnswer(bool includeUsage)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var direct = fixture.Engine.CreateClient();
        using var proxied = fixture.Proxy.CreateClient();
        var expected = await PostCompletionAsync(direct, UpstreamModel);

        using var response = await ServerSentEvents.PostStreamAsync(proxied, "/v1/completions",
            CompletionBody(ClientModel, stream: true, includeUsage));
        var events = new List<string>();
        await foreach (var data in ServerSentEvents.ReadDataAsync(response))
        {
            events.Add(data);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal(ClientModel, c.GetProperty("model").GetString()));
        Assert.Equal(ChoiceText(expected), string.Concat(chunks.Select(ServerSentEvents.GetText)));
        var usageChunks = chunks.Where(c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
            .ToList();
        if (includeUsage)
        {
            var usage = Assert.Single(usageChunks);
            Assert.Equal(expected.GetProperty("usage").GetRawText(), usage.GetProperty("usage").GetRawText());
        }
        else
        {
            Assert.Empty(usageChunks);
            Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        }
    }

    [SkippableFact]
    public async Task ConcurrentStreams_AllComplete()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var proxied = UpstreamPair.CreateOpenAIClient(fixture.Proxy).GetChatClient(ClientModel);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 };

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var updates = new List<StreamingChatCompletionUpdate>();
            await foreach (var update in proxied.CompleteChatStreamingAsync([new UserChatMessage($"Count to {i}.")],
                options))
            {
                updates.Add(update);
            }

            return updates;
        }));

        Assert.All(results, updates => Assert.NotNull(updates.Last(u => u.FinishReason is not null).FinishReason));
        Assert.All(results, updates => Assert.InRange(updates.Last().Usage!.OutputTokenCount, 1, 12));
        Assert.Equal(6, results.Select(updates => updates[0].CompletionId).Distinct().Count());
    }

    [SkippableFact]
    public async Task Models_ListsClientModel()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var models = UpstreamPair.CreateOpenAIClient(fixture.Proxy).GetOpenAIModelClient();

        var list = await models.GetModelsAsync();

        Assert.Equal(ClientModel, Assert.Single(list.Value).Id);
    }

    [SkippableFact]
    public async Task UpstreamContextError_IsPassedThrough()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var direct = fixture.Engine.CreateClient();
        using var proxied = fixture.Proxy.CreateClient();
        var body = new { model = "", prompt = "hello", max_tokens = 1_000_000 };

        using var expected = await direct.PostAsync("/v1/completions", Json.Content(body with { model = UpstreamModel }));
        using var actual = await proxied.PostAsync("/v1/completions", Json.Content(body with { model = ClientModel }));

        Assert.Equal(HttpStatusCode.BadRequest, expected.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, actual.StatusCode);
        Assert.Equal((await Json.ReadAsync(expected)).GetRawText(), (await Json.ReadAsync(actual)).GetRawText());
    }

    private static async Task<JsonElement> PostCompletionAsync(HttpClient client, string model)
    {
        using var response = await client.PostAsync("/v1/completions",
            Json.Content(CompletionBody(model, stream: false, includeUsage: false)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    private static Dictionary<string, object> CompletionBody(string model, bool stream, bool includeUsage)
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = model,
            ["prompt"] = "Once upon a time",
            ["max_tokens"] = 16,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (includeUsage)
        {
            body["stream_options"] = new { include_usage = true };
        }

        return body;
    }

    private static string? ChoiceText(JsonElement completion) =>
        completion.GetProperty("choices")[0].GetProperty("text").GetString();

    private static string Text(ChatCompletion completion) => string.Concat(completion.Content.Select(part => part.Text));
}

/// <summary>Upstream mode in front of the generated model.</summary>
public sealed class GeneratedModelUpstreamEngineTests(UpstreamPairFixture<GeneratedModel> fixture)
    : UpstreamEngineTests<GeneratedModel>(fixture);

/// <summary>Upstream mode in front of the external llama-2 model.</summary>
public sealed class SharedModelUpstreamEngineTests(UpstreamPairFixture<SharedModel> fixture)
    : UpstreamEngineTests<SharedModel>(fixture);
