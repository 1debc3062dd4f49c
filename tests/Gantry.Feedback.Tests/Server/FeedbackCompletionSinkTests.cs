using System.Text.Json;
using Gantry.Api.Inference;
using Gantry.Engine;

namespace Gantry.Feedback.Tests.Server;

/// <summary>The sink that turns the server's finished completions into completion records.</summary>
public sealed class FeedbackCompletionSinkTests
{
    [Fact]
    public void ToRecord_Chat_KeepsMessagesAndParameters()
    {
        var request = new InferenceRequest
        {
            Model = "client-model-name",
            Messages = [new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi \"you\"")],
            MaxTokens = 32,
            Stop = ["\n\n"],
            Sampling = new SamplingParameters { Temperature = 0.5f, TopP = 0.9f, Seed = 42 },
            Stream = true,
        };

        var record = FeedbackCompletionSink.ToRecord(Exchange(EndpointKind.Chat, request, FinishReason.Length));
        using var parameters = JsonDocument.Parse(record.ParametersJson);
        using var messages = JsonDocument.Parse(record.Messages!);

        Assert.Equal("chatcmpl-1", record.Id);
        Assert.Equal("served", record.Model);
        Assert.Equal("chat", record.Endpoint);
        Assert.Equal("length", record.FinishReason);
        Assert.Equal(11, record.PromptTokens);
        Assert.Equal(5, record.CompletionTokens);
        Assert.Equal(1.5, record.LatencySeconds);
        Assert.Equal("Hello", record.Completion);
        Assert.Equal(0.5, parameters.RootElement.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, parameters.RootElement.GetProperty("top_p").GetDouble(), 6);
        Assert.Equal(32, parameters.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(42u, parameters.RootElement.GetProperty("seed").GetUInt32());
        Assert.Equal("\n\n", parameters.RootElement.GetProperty("stop")[0].GetString());
        Assert.True(parameters.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(2, messages.RootElement.GetArrayLength());
        Assert.Equal("user", messages.RootElement[1].GetProperty("role").GetString());
        Assert.Equal("Hi \"you\"", messages.RootElement[1].GetProperty("content").GetString());
    }

    [Fact]
    public void ToRecord_TextCompletion_StoresPromptMessage()
    {
        var request = new InferenceRequest { Model = "m", Prompt = "Once upon a time" };

        var record = FeedbackCompletionSink.ToRecord(Exchange(EndpointKind.Completions, request, FinishReason.Stop));
        using var messages = JsonDocument.Parse(record.Messages!);
        using var parameters = JsonDocument.Parse(record.ParametersJson);

        Assert.Equal("completions", record.Endpoint);
        Assert.Equal("stop", record.FinishReason);
        Assert.Equal("user", messages.RootElement[0].GetProperty("role").GetString());
        Assert.Equal("Once upon a time", messages.RootElement[0].GetProperty("content").GetString());
        Assert.False(parameters.RootElement.TryGetProperty("seed", out _));
        Assert.False(parameters.RootElement.TryGetProperty("max_tokens", out _));
    }

    [Theory]
    [InlineData(FinishReason.Stop, 1)]
    [InlineData(FinishReason.Length, 1)]
    [InlineData(FinishReason.Cancelled, 0)]
    [InlineData(FinishReason.Error, 0)]
    public async Task OnCompleted_RecordsOnlyFinishedCompletions(FinishReason reason, int expectedRecords)
    {
        var recorder = new RecordingRecorder();
        var sink = new FeedbackCompletionSink(recorder);

        await sink.OnCompletedAsync(Exchange(EndpointKind.Chat, new InferenceRequest { Model = "m", Messages = [] }, reason), CancellationToken.None);

        Assert.Equal(expectedRecords, recorder.Records.Count);
    }

    private static CompletedExchange Exchange(EndpointKind kind, InferenceRequest request, FinishReason reason) => new(
        kind == EndpointKind.Chat ? "chatcmpl-1" : "cmpl-1", kind, "served", DateTimeOffset.UnixEpoch, request, "Hello", reason,
        new GenerationUsage(11, 5, 0.1, 0.2, 1.0), 1.5, reason == FinishReason.Error ? "boom" : null);

    private sealed class RecordingRecorder : ICompletionRecorder
    {
        public List<CompletionRecord> Records { get; } = [];

        public Task RecordAsync(CompletionRecord record, CancellationToken cancellationToken)
        {
            Records.Add(record);
            return Task.CompletedTask;
        }
    }
}
