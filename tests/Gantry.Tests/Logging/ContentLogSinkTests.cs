using Gantry.Api.Inference;
using Gantry.Engine;
using Gantry.Logging;
using Gantry.Options;
using Gantry.Tests.Infrastructure;

namespace Gantry.Tests.Logging;

public sealed class ContentLogSinkTests
{
    private const string Prompt = "mail me at jane@example.com with Bearer abcdef123456";

    [Fact]
    public async Task Sink_ContentLoggingOff_LogsNothing()
    {
        var logger = new ListLogger<ContentLogSink>();
        var sink = CreateSink(new ContentLoggingOptions { LogContent = false }, logger);

        await sink.OnCompletedAsync(CreateExchange(Prompt, "ok"), CancellationToken.None);

        Assert.Empty(logger.Records);
    }

    [Fact]
    public async Task Sink_DebugDisabled_LogsNothing()
    {
        var logger = new ListLogger<ContentLogSink> { MinimumLevel = LogLevel.Information };
        var sink = CreateSink(new ContentLoggingOptions { LogContent = true }, logger);

        await sink.OnCompletedAsync(CreateExchange(Prompt, "ok"), CancellationToken.None);

        Assert.Empty(logger.Records);
    }

    [Fact]
    public async Task Sink_Enabled_LogsRedactedAtDebug()
    {
        var logger = new ListLogger<ContentLogSink>();
        var sink = CreateSink(new ContentLoggingOptions { LogContent = true }, logger);

        await sink.OnCompletedAsync(CreateExchange(Prompt, "reply to bob@example.org"), CancellationToken.None);

        var record = Assert.Single(logger.Records);
        Assert.Equal(LogLevel.Debug, record.Level);
        Assert.Equal(4201, record.EventId.Id);
        Assert.DoesNotContain("jane@example.com", record.Message);
        Assert.DoesNotContain("abcdef123456", record.Message);
        Assert.DoesNotContain("bob@example.org", record.Message);
        Assert.Equal($"user: mail me at {Redactor.Email} with Bearer {Redactor.Secret}", record.Fields["Prompt"]);
        Assert.Equal($"reply to {Redactor.Email}", record.Fields["Completion"]);
    }

    [Fact]
    public async Task Sink_LongText_Truncated()
    {
        var logger = new ListLogger<ContentLogSink>();
        var sink = CreateSink(new ContentLoggingOptions { LogContent = true, ContentMaxChars = 10 }, logger);

        await sink.OnCompletedAsync(CreateExchange("x", new string('a', 50)), CancellationToken.None);

        var record = Assert.Single(logger.Records);
        Assert.Equal("aaaaaaaaaa…[40 more characters]", record.Fields["Completion"]);
    }

    [Fact]
    public async Task Sink_SampleRateZero_LogsNothing()
    {
        var logger = new ListLogger<ContentLogSink>();
        var sink = CreateSink(new ContentLoggingOptions { LogContent = true, ContentSampleRate = 0 }, logger);

        for (var i = 0; i < 100; i++)
        {
            await sink.OnCompletedAsync(CreateExchange(Prompt, "ok"), CancellationToken.None);
        }

        Assert.Empty(logger.Records);
    }

    [Theory]
    [InlineData(-0.1, 10, 1)]
    [InlineData(1.5, 10, 1)]
    [InlineData(double.NaN, 10, 1)]
    [InlineData(0.5, 0, 1)]
    [InlineData(2, 0, 2)]
    [InlineData(0.5, 10, 0)]
    public void Options_Validate_ListsEveryProblem(double rate, int maxChars, int expectedErrors)
    {
        var options = new ContentLoggingOptions { ContentSampleRate = rate, ContentMaxChars = maxChars };

        Assert.Equal(expectedErrors, options.Validate().Count);
    }

    private static ContentLogSink CreateSink(ContentLoggingOptions options, ListLogger<ContentLogSink> logger) =>
        new(Microsoft.Extensions.Options.Options.Create(options), logger);

    private static CompletedExchange CreateExchange(string prompt, string completion) => new("chatcmpl-1",
        EndpointKind.Chat, "tiny", DateTimeOffset.UnixEpoch,
        new InferenceRequest { Model = "tiny", Messages = [new ChatMessage("user", prompt)] }, completion,
        FinishReason.Stop, new GenerationUsage(1, 1, 0, 0, 0), 0.1, null);
}
