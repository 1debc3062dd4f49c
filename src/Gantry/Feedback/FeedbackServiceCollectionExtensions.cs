using Gantry.Api.Inference;
using Gantry.Feedback.Datasets;
using Gantry.Feedback.Hosting;
using Gantry.Feedback.Retraining;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback;

/// <summary>Registers the feedback loop: store, group commit, recorder, API services and background jobs.</summary>
public static class FeedbackServiceCollectionExtensions
{
    /// <summary>
    /// Adds the feedback loop, configured from the <c>Gantry</c> section of <paramref name="configuration"/>.
    /// Migrations run before the server starts listening, and a completion sink records every finished completion.
    /// </summary>
    public static IServiceCollection AddGantryFeedback(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FeedbackOptions>().Bind(configuration.GetSection("Gantry"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<FeedbackOptions>>().Value;
            return FeedbackStoreFactory.Create(options.Database, options.DataDir);
        });
        services.AddSingleton(provider => new GroupCommitWriter(
            provider.GetRequiredService<IFeedbackStore>(), provider.GetRequiredService<ILogger<GroupCommitWriter>>()));
        services.AddSingleton<ICompletionRecorder, StoreCompletionRecorder>();
        services.AddSingleton<FeedbackService>();
        services.AddSingleton<DatasetExporter>();
        services.AddSingleton<RetrainingTrigger>();
        services.AddSingleton(provider => new OutboxSender(
            provider.GetRequiredService<IFeedbackStore>(),
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }),
            provider.GetRequiredService<IOptions<FeedbackOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<OutboxSender>>()));
        services.AddHostedService<FeedbackStartupService>();
        services.AddHostedService<RecordRetentionService>();
        services.AddHostedService<RetrainingService>();
        services.AddSingleton<ICompletionSink, FeedbackCompletionSink>();
        return services;
    }

    /// <summary>Lists every invalid feedback setting in <paramref name="configuration"/>.</summary>
    public static IReadOnlyList<string> ValidateFeedbackConfiguration(IConfiguration configuration)
    {
        var options = new FeedbackOptions();
        try
        {
            configuration.GetSection("Gantry").Bind(options);
        }
        catch (InvalidOperationException exception)
        {
            // The binder rejects an unknown enum value such as --capture everything.
            return [$"{exception.Message} Gantry:Capture must be off, metadata or full."];
        }

        return options.Validate();
    }
}
