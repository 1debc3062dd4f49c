using System.Net;

namespace Gantry.Engine.Models;

/// <summary>
/// Turns the <c>--model</c> argument into the path of a local GGUF file, downloading it first
/// when the argument is an http or https URL.
/// </summary>
public static class ModelSource
{
    private static readonly Lazy<HttpClient> s_httpClient = new(CreateHttpClient);

    /// <summary>Returns true when <paramref name="modelArgument"/> is an absolute http or https URL.</summary>
    public static bool IsUrl(string modelArgument) =>
        Uri.TryCreate(modelArgument, UriKind.Absolute, out var url) && IsHttpUrl(url);

    /// <summary>
    /// Resolves <paramref name="modelArgument"/> to a local path with a shared HTTP client and the
    /// default <see cref="ModelDownloadOptions"/>.
    /// </summary>
    /// <inheritdoc cref="ResolveAsync(string, string, string?, IProgress{ModelDownloadProgress}?, ModelDownloader, CancellationToken)"/>
    public static Task<string> ResolveAsync(
        string modelArgument,
        string cacheDir,
        string? sha256,
        IProgress<ModelDownloadProgress>? progress,
        CancellationToken cancellationToken) =>
        ResolveAsync(modelArgument, cacheDir, sha256, progress, new ModelDownloader(s_httpClient.Value), cancellationToken);

    /// <summary>Resolves <paramref name="modelArgument"/> to the full path of a local GGUF file.</summary>
    /// <param name="modelArgument">A local file path, or an http or https URL of a GGUF file.</param>
    /// <param name="cacheDir">Directory for downloaded models, unused for local paths.</param>
    /// <param name="sha256">
    /// Expected SHA-256 as 64 hex digits, or null. A local file is hashed on every call, but a
    /// downloaded file is hashed once and the result recorded beside it.
    /// </param>
    /// <param name="progress">Receives download progress, or null.</param>
    /// <param name="downloader">Downloader used for URLs.</param>
    /// <param name="cancellationToken">Stops a download or hash computation.</param>
    /// <exception cref="ModelSourceException">
    /// The file is missing, is not GGUF, has another SHA-256, or could not be downloaded.
    /// </exception>
    public static async Task<string> ResolveAsync(
        string modelArgument,
        string cacheDir,
        string? sha256,
        IProgress<ModelDownloadProgress>? progress,
        ModelDownloader downloader,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(downloader);
        if (string.IsNullOrWhiteSpace(modelArgument))
        {
            throw new ModelSourceException("No model given. Pass a GGUF file path or an http(s) URL with --model.");
        }

        if (Uri.TryCreate(modelArgument, UriKind.Absolute, out var url) && IsHttpUrl(url))
        {
            return await downloader.DownloadAsync(url, cacheDir, sha256, progress, cancellationToken).ConfigureAwait(false);
        }

        if (modelArgument.Contains("://", StringComparison.Ordinal))
        {
            throw new ModelSourceException(
                $"Unsupported model URL '{modelArgument}': only http and https URLs are downloaded. Pass a local path otherwise.");
        }

        return await ResolveLocalFileAsync(modelArgument, sha256, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns <paramref name="url"/> without its query string and fragment, which may hold secrets.</summary>
    public static string RedactUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var withoutQuery = url.GetLeftPart(UriPartial.Path);
        return string.IsNullOrEmpty(url.Query) ? withoutQuery : withoutQuery + "?(query omitted)";
    }

    internal static bool IsHttpUrl(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    private static async Task<string> ResolveLocalFileAsync(string modelArgument, string? sha256, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(modelArgument);
        if (!File.Exists(path))
        {
            throw new ModelSourceException(
                $"Model file not found: {path}. Pass an existing GGUF file or an http(s) URL with --model.");
        }

        if (!ModelFileChecks.HasGgufMagic(path))
        {
            throw new ModelSourceException(
                $"Model file {path} is not a GGUF model: it does not start with the bytes 'GGUF'.");
        }

        if (sha256 is not null)
        {
            var expected = ModelFileChecks.NormalizeSha256(sha256);
            var actual = await ModelFileChecks.ComputeSha256Async(path, cancellationToken).ConfigureAwait(false);
            if (actual != expected)
            {
                throw new ModelSourceException(
                    $"Model file {path} has SHA-256 {actual}, but {expected} was expected. Check the --model-sha256 value.");
            }
        }

        return path;
    }

    /// <summary>
    /// Creates an HTTP client suited to model downloads: redirects followed, no automatic
    /// decompression and no overall timeout, because <see cref="ModelDownloadOptions.ReadTimeout"/>
    /// bounds each wait instead. The caller disposes it.
    /// </summary>
    public static HttpClient CreateHttpClient()
    {
        // No automatic decompression: a range must address bytes of the file itself, not of an
        // encoded stream. Redirects are followed because Hugging Face responds to a resolve URL with a redirect to its CDN.
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("gantry");
        return client;
    }
}
