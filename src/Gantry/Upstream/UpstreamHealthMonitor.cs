using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Upstream;

/// <summary>
/// Polls the upstream every <see cref="GantryOptions.UpstreamHealthInterval"/> seconds and stores the result in
/// <see cref="UpstreamHealth"/>. It requests <c>GET /health</c> first, which vLLM, TGI, llama.cpp's server and
/// Gantry serve. When that route does not exist (404 or 405) it uses <c>GET /v1/models</c> from then on, which
/// every OpenAI-compatible server has.
/// </summary>
public sealed partial class UpstreamHealthMonitor(
    UpstreamClient client,
    UpstreamHealth health,
    IOptions<GantryOptions> options,
    TimeProvider timeProvider,
    ILogger<UpstreamHealthMonitor> logger) : BackgroundService
{
    private const string HealthPath = "health";
    private const string ModelsPath = "v1/models";

    // A hung upstream is reported unhealthy after this long. Polls do not overlap: PeriodicTimer skips the ticks
    // that pass while a poll runs.
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(options.Value.UpstreamHealthInterval);
    private string _path = HealthPath;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, timeProvider);
        do
        {
            await PollAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var previous = health.Status;
        var (status, description) = await ProbeAsync(stoppingToken);
        health.Report(status, description, timeProvider.GetUtcNow());
        if (status != previous)
        {
            Log.Changed(logger, status.ToString(), description);
        }
    }

    private async Task<(UpstreamHealthStatus Status, string Description)> ProbeAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(PollTimeout);
        try
        {
            using var response = await client.Http.GetAsync(_path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (_path == HealthPath && (int)response.StatusCode is StatusCodes.Status404NotFound
                or StatusCodes.Status405MethodNotAllowed)
            {
                _path = ModelsPath;
                Log.UsingModelsRoute(logger);
                using var models = await client.Http.GetAsync(_path, HttpCompletionOption.ResponseHeadersRead,
                    timeout.Token);
                return Describe(models);
            }

            return Describe(response);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return (UpstreamHealthStatus.Unhealthy, $"GET /{_path} on the upstream timed out after {PollTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException exception)
        {
            return (UpstreamHealthStatus.Unhealthy, $"The upstream could not be reached: {exception.Message}");
        }
    }

    private (UpstreamHealthStatus, string) Describe(HttpResponseMessage response) => response.IsSuccessStatusCode
        ? (UpstreamHealthStatus.Healthy, $"GET /{_path} on the upstream returned {(int)response.StatusCode}.")
        : (UpstreamHealthStatus.Unhealthy, $"GET /{_path} on the upstream returned {(int)response.StatusCode}.");

    private static partial class Log
    {
        [LoggerMessage(7201, LogLevel.Information, "Upstream health is now {Status}: {Description}",
            EventName = "UpstreamHealthChanged")]
        public static partial void Changed(ILogger logger, string status, string description);

        [LoggerMessage(7202, LogLevel.Information,
            "The upstream has no /health route; polling /v1/models instead", EventName = "UpstreamHealthFallback")]
        public static partial void UsingModelsRoute(ILogger logger);
    }
}
