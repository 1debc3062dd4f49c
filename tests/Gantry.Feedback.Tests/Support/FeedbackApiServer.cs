using System.Net;
using Gantry.Api.Feedback;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gantry.Feedback.Tests.Support;

/// <summary>
/// A Kestrel server on 127.0.0.1 and a free port with the feedback API, its store and background jobs wired by
/// <see cref="FeedbackServiceCollectionExtensions.AddGantryFeedback"/>, as <c>gantry serve</c> wires them.
/// </summary>
public sealed class FeedbackApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FeedbackApiServer(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public ICompletionRecorder Recorder => _app.Services.GetRequiredService<ICompletionRecorder>();

    public static async Task<FeedbackApiServer> StartAsync(string dataDir, string? database, string capture = "full")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gantry:DataDir"] = dataDir,
            ["Gantry:Database"] = database,
            ["Gantry:Capture"] = capture,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddGantryFeedback(builder.Configuration);
        var app = builder.Build();

        // As in gantry serve without a key file: the access check makes every caller anonymous, with every tenant.
        app.UseMiddleware<Gantry.Security.AccessMiddleware>();
        app.MapFeedbackApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FeedbackApiServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
