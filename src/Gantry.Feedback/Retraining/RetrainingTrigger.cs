using Gantry.Feedback.Datasets;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback.Retraining;

/// <summary>
/// Applies the retraining policy: when a model has enough new examples (and, if configured, enough ratings
/// down in the window), writes a dataset snapshot and enqueues one retraining event in the outbox.
/// </summary>
public sealed partial class RetrainingTrigger(
    IFeedbackStore store, DatasetExporter exporter, IOptions<FeedbackOptions> options, TimeProvider timeProvider,
    ILogger<RetrainingTrigger> logger)
{
    /// <summary>Checks every model once and returns the ids of the events enqueued.</summary>
    public async Task<IReadOnlyList<string>> EvaluateAsync(CancellationToken cancellationToken)
    {
        var policy = options.Value.Retraining;
        if (policy.MinNewExamples <= 0)
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        var horizon = await store.GetExportHorizonAsync(cancellationToken);
        var activity = await store.GetTrainingActivityAsync(now - TimeSpan.FromHours(policy.WindowHours), horizon, cancellationToken);
        var enqueued = new List<string>();
        foreach (var model in activity)
        {
            if (IsCrossed(policy, model) && await TryRequestAsync(policy, model, now, cancellationToken) is { } id)
            {
                enqueued.Add(id);
            }
        }

        return enqueued;
    }

    /// <summary>Returns whether <paramref name="model"/>'s activity crosses the policy's thresholds.</summary>
    public static bool IsCrossed(RetrainingOptions policy, ModelTrainingActivity model)
    {
        if (policy.MinNewExamples <= 0 || model.NewExamples < policy.MinNewExamples)
        {
            return false;
        }

        if (policy.DownRatioThreshold is not { } threshold)
        {
            return true;
        }

        var rated = model.WindowUp + model.WindowDown;
        return rated > 0 && (double)model.WindowDown / rated >= threshold;
    }

    private async Task<string?> TryRequestAsync(
        RetrainingOptions policy, ModelTrainingActivity model, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = RetrainingEvent.StableId(model.Model, model.LastSeq);
        var directory = Path.GetFullPath(Path.Combine(options.Value.DataDir, "datasets", SafeDirectoryName(model.Model), id));
        var (sftRows, dpoRows) = await exporter.WriteSnapshotAsync(directory, model.Model, model.MaxSeq, cancellationToken);
        var data = new RetrainingEventData(
            model.Model, directory, sftRows, dpoRows, model.NewExamples, model.LastSeq, model.MaxSeq,
            policy.WindowHours, model.WindowUp, model.WindowDown);
        var message = new OutboxMessage(id, RetrainingEvent.ToJson(id, now, data), 0);
        if (!await store.TryEnqueueRetrainingAsync(model.Model, model.LastSeq, model.MaxSeq, message, now, cancellationToken))
        {
            // Another replica handled this crossing first and wrote the same snapshot under the same id.
            LogCrossingTaken(logger, model.Model, id);
            return null;
        }

        LogRetrainingRequested(logger, model.Model, id, model.NewExamples, sftRows, dpoRows);
        return id;
    }

    /// <summary>Replaces characters that are unsafe in a directory name with underscores.</summary>
    public static string SafeDirectoryName(string model)
    {
        var chars = model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray();
        var name = new string(chars).Trim('.');
        return name.Length == 0 ? "_" : name;
    }

    [LoggerMessage(EventId = 5100, EventName = "RetrainingRequested", Level = LogLevel.Information,
        Message = "Retraining requested for model {Model}: event {EventId}, {NewExamples} new examples, {SftRows} SFT rows, {DpoRows} DPO rows")]
    private static partial void LogRetrainingRequested(
        ILogger logger, string model, string eventId, long newExamples, long sftRows, long dpoRows);

    [LoggerMessage(EventId = 5101, EventName = "RetrainingCrossingTaken", Level = LogLevel.Debug,
        Message = "Retraining event {EventId} for model {Model} was already enqueued by another process")]
    private static partial void LogCrossingTaken(ILogger logger, string model, string eventId);
}
