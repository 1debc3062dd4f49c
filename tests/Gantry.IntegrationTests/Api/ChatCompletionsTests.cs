using System.Net;
using System.Text;
using Gantry.IntegrationTests.Infrastructure;
using OpenAI.Chat;

namespace Gantry.IntegrationTests.Api;

/// <summary>The chat route driven by the official OpenAI .NET SDK, run once per test model.</summary>
public abstract class ChatCompletionsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private ChatClient CreateChatClient()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        return fixture.CreateOpenAIClient().GetChatClient(fixture.ModelName);
    }

    [SkippableFact]
    public async Task Chat_ShortLimit_ReturnsTextAndUsage()
    {
        var client = CreateChatClient();

        ChatCompletion completion = await client.CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("Say hello.")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });

        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(fixture.ModelName, completion.Model);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
        Assert.True(completion.Usage.InputTokenCount > 3);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        if (completion.FinishReason == ChatFinishReason.Length)
        {
            Assert.Equal(8, completion.Usage.OutputTokenCount);
        }
    }

    [SkippableFact]
    public async Task Chat_Greedy_IsDeterministic()
    {
        var client = CreateChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0 };

        ChatCompletion first = await client.CompleteChatAsync([new UserChatMessage("Tell me a story.")], options);
        ChatCompletion second = await client.CompleteChatAsync([new UserChatMessage("Tell me a story.")], options);

        Assert.Equal(Text(first), Text(second));
        Assert.Equal(first.Usage.OutputTokenCount, second.Usage.OutputTokenCount);
    }

    [SkippableFact]
    public async Task Chat_SameSeed_GivesSameText()
    {
        var client = CreateChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 1, Seed = 1234 };

        ChatCompletion first = await client.CompleteChatAsync([new UserChatMessage("Pick words.")], options);
        ChatCompletion second = await client.CompleteChatAsync([new UserChatMessage("Pick words.")], options);

        Assert.Equal(Text(first), Text(second));
    }

    [SkippableFact]
    public async Task Chat_TextParts_EqualPlainString()
    {
        var client = CreateChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 };

        ChatCompletion plain = await client.CompleteChatAsync([new UserChatMessage("Hello there, model.")], options);
        ChatCompletion parts = await client.CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateTextPart("Hello there, "),
                ChatMessageContentPart.CreateTextPart("model."))], options);

        Assert.Equal(Text(plain), Text(parts));
        Assert.Equal(plain.Usage.InputTokenCount, parts.Usage.InputTokenCount);
    }

    [SkippableFact]
    public async Task Chat_Stop_EndsBeforeStopString()
    {
        var client = CreateChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 32, Temperature = 0 };
        ChatCompletion full = await client.CompleteChatAsync([new UserChatMessage("Count for me.")], options);
        var text = Text(full);
        Skip.If(text.Length < 8, $"The model stopped after {text.Length} characters; no stop string to pick.");
        var stop = text.Substring(text.Length / 2, 3);
        options.StopSequences.Add(stop);

        ChatCompletion stopped = await client.CompleteChatAsync([new UserChatMessage("Count for me.")], options);

        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], Text(stopped));
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [SkippableFact]
    public async Task Chat_Streaming_MatchesNonStreamingAndReportsUsage()
    {
        var client = CreateChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 };
        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Stream this.")], options);

        var text = new StringBuilder();
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Stream this.")], options))
        {
            updates.Add(update);
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal(ChatMessageRole.Assistant, updates[0].Role);
        Assert.Equal(Text(whole), text.ToString());
        Assert.Equal(whole.FinishReason, updates.Last(u => u.FinishReason is not null).FinishReason);
        var usage = updates.Last().Usage;
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.All(updates, u => Assert.Equal(updates[0].CompletionId, u.CompletionId));
    }

    [SkippableFact]
    public async Task Models_List_ContainsServedModel()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var models = fixture.CreateOpenAIClient().GetOpenAIModelClient();

        var list = await models.GetModelsAsync();

        var model = Assert.Single(list.Value);
        Assert.Equal(fixture.ModelName, model.Id);
        Assert.Equal("gantry", model.OwnedBy);
    }

    [SkippableFact]
    public async Task Chat_UnknownModel_ThrowsNotFound()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var client = fixture.CreateOpenAIClient().GetChatClient("no-such-model");

        var error = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal((int)HttpStatusCode.NotFound, error.Status);
        Assert.Contains("no-such-model", error.Message);
    }

    private static string Text(ChatCompletion completion) =>
        string.Concat(completion.Content.Select(part => part.Text));
}

/// <summary>Chat tests on the generated model.</summary>
public sealed class GeneratedModelChatCompletionsTests(ServerFixture<GeneratedModel> fixture)
    : ChatCompletionsTests<ServerFixture<GeneratedModel>>(fixture);

/// <summary>Chat tests on the external llama-2 model.</summary>
public sealed class SharedModelChatCompletionsTests(ServerFixture<SharedModel> fixture)
    : ChatCompletionsTests<ServerFixture<SharedModel>>(fixture);
