using Gantry.Api;
using Gantry.Api.Feedback;
using Gantry.Api.Inference;
using Gantry.Feedback;
using Gantry.Metrics;
using Prometheus;
using Gantry.Options;
using Gantry.Security;
using Gantry.Upstream;
using LLama.Native;
using Microsoft.Extensions.Options;

namespace Gantry.Hosting;

/// <summary><c>gantry serve</c>: builds and runs the web host.</summary>
public static class ServeCommand
{
    /// <summary>Runs the server until it is stopped; returns 2 for invalid settings.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            ServeCommandLine.WriteHelp(Console.Out);
            return 0;
        }

        var app = Build(args, out var errors);
        if (app is null)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"gantry serve: {error}");
            }

            if (!errors.All(SecuritySetup.IsExposureError))
            {
                Console.Error.WriteLine("Run 'gantry serve --help' for the options.");
            }

            return 2;
        }

        await app.RunAsync();
        return 0;
    }

    /// <summary>Builds the web application, or returns null with every configuration error listed.</summary>
    public static WebApplication? Build(string[] args, out IReadOnlyList<string> errors)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.AddCommandLine(ServeCommandLine.ExpandFlags(args), ServeCommandLine.CreateSwitchMappings());
        var options = new GantryOptions();
        builder.Configuration.GetSection(GantryOptions.Section).Bind(options);
        errors = [.. options.Validate(), .. FeedbackServiceCollectionExtensions.ValidateFeedbackConfiguration(builder.Configuration)];
        if (errors.Count > 0)
        {
            return null;
        }

        errors = SecuritySetup.Validate(options);
        if (errors.Count > 0)
        {
            return null;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            if (options.Host is "localhost")
            {
                kestrel.ListenLocalhost(options.Port);
            }
            else
            {
                kestrel.Listen(System.Net.IPAddress.Parse(options.Host), options.Port);
            }
        });
        builder.Services.Configure<GantryOptions>(builder.Configuration.GetSection(GantryOptions.Section));
        OperationsSetup.ConfigureServices(builder, options);
        SecuritySetup.ConfigureServices(builder, options);
        builder.Services.AddSingleton<ModelHost>();
        if (options.IsUpstreamMode)
        {
            builder.Services.AddUpstreamEngine();
        }
        else
        {
            builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());
        }

        builder.Services.AddSingleton<CompletionPublisher>();
        builder.Services.AddSingleton<InferenceHandler>();
        builder.Services.AddSingleton(Prometheus.Metrics.DefaultRegistry);
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddGantryFeedback(builder.Configuration);

        var app = builder.Build();
        ConfigureNativeLogging(app.Services.GetRequiredService<ILoggerFactory>());
        OperationsSetup.UseOperations(app);
        app.UseOpenAIErrors();
        SecuritySetup.UseSecurity(app);
        app.MapFeedbackApi();
        app.MapOpenAIApi();
        app.Services.GetRequiredService<EngineMetrics>();
        app.MapMetrics("/metrics");
        return app;
    }

    private static void ConfigureNativeLogging(ILoggerFactory loggerFactory)
    {
        // llama.cpp logs to the console by default; route it through the host's logging instead, at Debug.
        var logger = loggerFactory.CreateLogger("LLama.Native");
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level is LLamaLogLevel.Error)
            {
                logger.LogWarning("{NativeMessage}", message.TrimEnd());
            }
            else if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("{NativeMessage}", message.TrimEnd());
            }
        });
    }
}
