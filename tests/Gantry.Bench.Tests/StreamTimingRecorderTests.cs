using System.Text;

namespace Gantry.Bench.Tests;

public sealed class StreamTimingRecorderTests
{
    private const string RoleChunk =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";

    private static string ContentChunk(string text) =>
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";

    private const string FinishChunk =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n";

    private const string UsageChunk =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}\n\n";

    private const string Done = "data: [DONE]\n\n";

    [Fact]
    public void ChatStream_RecordedReads_GivesTimingAndUsage()
    {
        // Each read is (bytes, arrival time in seconds); the request was sent at 1.0 s. The role chunk
        // arrives first and carries no text, a chunk is split across reads 3 and 4 in the middle of a
        // multi-byte character, and reads 5 and 6 each carry two events.
        var second = Encoding.UTF8.GetBytes(ContentChunk("w\u00f6r"));
        var splitAt = Array.IndexOf(second, (byte)0xC3) + 1;
        var reads = new List<(byte[] Bytes, double Time)>
        {
            (Encoding.UTF8.GetBytes(RoleChunk), 1.10),
            (Encoding.UTF8.GetBytes(ContentChunk("Hi")), 1.25),
            (second[..splitAt], 1.30),
            (second[splitAt..], 1.32),
            (Encoding.UTF8.GetBytes(ContentChunk("ld \ud83d\ude00") + ContentChunk("!")), 1.40),
            (Encoding.UTF8.GetBytes(FinishChunk + UsageChunk), 1.41),
            (Encoding.UTF8.GetBytes(Done), 1.45),
        };

        var result = Replay(reads, startSeconds: 1.0, endOfStreamSeconds: 1.5);

        Assert.Equal(RequestOutcome.Completed, result.Outcome);
        Assert.Equal(4, result.ContentChunks);
        Assert.Equal([1.25, 1.32, 1.40, 1.40], result.ContentTimes);
        Assert.Equal(0.25, result.TimeToFirstToken!.Value, 12);
        Assert.Equal([0.07, 0.08, 0.0], result.InterTokenLatencies().Select(g => Math.Round(g, 12)));
        Assert.Equal(0.45, result.EndToEndSeconds, 12);
        Assert.Equal(4, result.UsageCompletionTokens);
        Assert.Equal(12, result.UsagePromptTokens);
        Assert.Equal(4, result.OutputTokens);
        Assert.Equal((0.45 - 0.25) / 3, result.TimePerOutputToken!.Value, 12);
    }

    [Fact]
    public void CompletionsStream_TextChunks_AreCounted()
    {
        var stream = "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" a\",\"finish_reason\":null}]}\n\n"
            + "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" b\",\"finish_reason\":\"length\"}]}\n\n"
            + "data: {\"object\":\"text_completion\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n"
            + Done;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 2.0)], startSeconds: 1.5, endOfStreamSeconds: 2.1);

        Assert.Equal(RequestOutcome.Completed, result.Outcome);
        Assert.Equal(2, result.ContentChunks);
        Assert.Equal(2, result.UsageCompletionTokens);
        Assert.Equal(0.5, result.TimeToFirstToken!.Value, 12);
        Assert.Equal([0.0], result.InterTokenLatencies());
    }

    [Fact]
    public void Stream_WithoutUsage_CountsChunks()
    {
        var stream = ContentChunk("a") + ContentChunk("b") + ContentChunk("c") + Done;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 1.0)], startSeconds: 0, endOfStreamSeconds: 1.0);

        Assert.Null(result.UsageCompletionTokens);
        Assert.Equal(3, result.OutputTokens);
    }

    [Fact]
    public void Stream_WithoutDone_IsStreamError()
    {
        var stream = ContentChunk("a") + UsageChunk;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 1.0)], startSeconds: 0, endOfStreamSeconds: 2.0);

        Assert.Equal(RequestOutcome.StreamError, result.Outcome);
        Assert.Equal("stream", result.ErrorKey);
        Assert.Equal(2.0, result.EndSeconds);
    }

    [Fact]
    public void Stream_ErrorEvent_IsStreamError()
    {
        var stream = ContentChunk("a") + "data: {\"error\":{\"message\":\"engine failed\",\"type\":\"server_error\"}}\n\n" + Done;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 1.0)], startSeconds: 0, endOfStreamSeconds: 1.0);

        Assert.Equal(RequestOutcome.StreamError, result.Outcome);
        Assert.Contains("engine failed", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_InvalidJson_IsStreamError()
    {
        var stream = "data: {not json\n\n" + Done;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 1.0)], startSeconds: 0, endOfStreamSeconds: 1.0);

        Assert.Equal(RequestOutcome.StreamError, result.Outcome);
        Assert.Contains("invalid JSON", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_ReasoningContent_CountsAsText()
    {
        var stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\n" + Done;

        var result = Replay([(Encoding.UTF8.GetBytes(stream), 1.0)], startSeconds: 0, endOfStreamSeconds: 1.0);

        Assert.Equal(1, result.ContentChunks);
    }

    private static RequestResult Replay(IEnumerable<(byte[] Bytes, double Time)> reads, double startSeconds, double endOfStreamSeconds)
    {
        var parser = new SseEventParser();
        var recorder = new StreamTimingRecorder();
        var events = new List<string>();
        foreach (var (bytes, time) in reads)
        {
            parser.Feed(bytes, events);
            foreach (var data in events)
            {
                recorder.OnEvent(data, time);
            }

            events.Clear();
        }

        return recorder.ToResult(startSeconds, endOfStreamSeconds);
    }
}
