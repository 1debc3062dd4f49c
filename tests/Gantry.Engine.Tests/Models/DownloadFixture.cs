using Gantry.Engine.Models;
using Gantry.Testing;

namespace Gantry.Engine.Tests.Models;

/// <summary>
/// Per-test environment for download tests: a file server with a generated model, an empty cache
/// directory and an HTTP client, all removed on dispose.
/// </summary>
internal sealed class DownloadFixture : IAsyncDisposable
{
    private static readonly Lazy<byte[]> s_modelBytes = new(() => File.ReadAllBytes(TestModels.GetPath(TestModels.Tiny)));

    private DownloadFixture(ModelFileServer server, string cacheDirectory)
    {
        Server = server;
        CacheDirectory = cacheDirectory;
        HttpClient = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Bytes of the generated tiny model, which the server serves by default.</summary>
    public static byte[] ModelBytes => s_modelBytes.Value;

    public ModelFileServer Server { get; }

    public string CacheDirectory { get; }

    public HttpClient HttpClient { get; }

    public Uri Url => Server.UrlFor("tiny.gguf");

    public static async Task<DownloadFixture> StartAsync()
    {
        var cacheDirectory = Path.Combine(Path.GetTempPath(), "gantry-download-tests", Guid.NewGuid().ToString("N"));
        var server = await ModelFileServer.StartAsync(ModelBytes);
        return new DownloadFixture(server, cacheDirectory);
    }

    /// <summary>Creates a downloader with short retry delays so tests finish quickly.</summary>
    public ModelDownloader CreateDownloader(int maxAttempts = 3, TimeSpan? readTimeout = null) =>
        new(HttpClient, new ModelDownloadOptions
        {
            MaxAttempts = maxAttempts,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30),
        });

    /// <summary>Lists the files in the cache directory by name.</summary>
    public string[] CachedFileNames() => Directory.Exists(CacheDirectory)
        ? Directory.GetFiles(CacheDirectory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToArray()
        : [];

    public async ValueTask DisposeAsync()
    {
        HttpClient.Dispose();
        await Server.DisposeAsync();
        if (Directory.Exists(CacheDirectory))
        {
            Directory.Delete(CacheDirectory, recursive: true);
        }
    }
}
