using Gantry.Feedback.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback.Tests.Support;

/// <summary>The feedback services over one store, wired as the server wires them.</summary>
public sealed class FeedbackHarness : IAsyncDisposable
{
    private FeedbackHarness(IFeedbackStore store, TimeProvider timeProvider, FeedbackOptions options)
    {
        Store = store;
        TimeProvider = timeProvider;
        Options = Microsoft.Extensions.Options.Options.Create(options);
        Writer = new GroupCommitWriter(store, NullLogger<GroupCommitWriter>.Instance);
        Service = new FeedbackService(store, Writer, timeProvider);
        Recorder = new StoreCompletionRecorder(Writer, Options);
    }

    public IFeedbackStore Store { get; }

    public TimeProvider TimeProvider { get; }

    public IOptions<FeedbackOptions> Options { get; }

    public GroupCommitWriter Writer { get; }

    public FeedbackService Service { get; }

    public StoreCompletionRecorder Recorder { get; }

    public static FeedbackHarness Create(IFeedbackStore store, TimeProvider? timeProvider = null, FeedbackOptions? options = null) =>
        new(store, timeProvider ?? TimeProvider.System, options ?? new FeedbackOptions { Capture = CaptureMode.Full });

    public Task RecordAsync(CompletionRecord record) => Recorder.RecordAsync(record, CancellationToken.None);

    public async Task<FeedbackEntry> SubmitAsync(FeedbackSubmission submission)
    {
        var result = await Service.SubmitAsync(submission, null, null, CancellationToken.None);
        Assert.Equal(FeedbackWriteStatus.Created, result.Status);
        return result.Entry!;
    }

    public ValueTask DisposeAsync() => Writer.DisposeAsync();
}
