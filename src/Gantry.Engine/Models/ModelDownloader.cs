using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gantry.Engine.Models;

/// <summary>
/// Downloads GGUF model files over HTTP into a cache directory, once per URL.
/// </summary>
/// <remarks>
/// <para>
/// Bytes go to <c>NAME.partial</c> first. An interrupted download resumes from the partial
/// file's length with a <c>Range</c> request. When the server ignores the range and responds
/// with 200, the file restarts from the beginning. Transient failures are retried with exponential
/// backoff, up to <see cref="ModelDownloadOptions.MaxAttempts"/> requests. The complete file is
/// checked for the GGUF magic and, when requested, for its SHA-256, then renamed into place.
/// </para>
/// <para>
/// A cached file is used without any request. When a SHA-256 is requested, the verified digest
/// and file length are kept in <c>NAME.sha256</c>, so later starts compare against that record
/// instead of hashing the file again. A cached file whose digest does not match is deleted and
/// downloaded again.
/// </para>
/// <para>
/// Thread-safe. Concurrent downloads of the same URL, in this process or in others that share
/// the cache directory, are serialized by a lock file, and the later ones reuse the result.
/// </para>
/// </remarks>
public sealed partial class ModelDownloader
{
    private const int BufferSize = 1 << 16;
    private static readonly TimeSpan s_lockPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly HttpClient _httpClient;
    private readonly ModelDownloadOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">
    /// Client for the requests. Its <see cref="HttpClient.Timeout"/> should be infinite, because
    /// <see cref="ModelDownloadOptions.ReadTimeout"/> bounds each wait instead of the whole transfer.
    /// </param>
    /// <param name="options">Retry and timeout settings, or null for the defaults.</param>
    /// <param name="logger">Logger for starts, retries and completions, or null for none.</param>
    /// <param name="timeProvider">Clock for transfer rates and retry delays, or null for the system clock.</param>
    public ModelDownloader(
        HttpClient httpClient,
        ModelDownloadOptions? options = null,
        ILogger<ModelDownloader>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _httpClient = httpClient;
        _options = options ?? new ModelDownloadOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="cacheDirectory"/> unless it is cached
    /// there already, and returns the local path.
    /// </summary>
    /// <param name="url">Absolute http or https URL of a GGUF file.</param>
    /// <param name="cacheDirectory">Directory of downloaded models, created when missing.</param>
    /// <param name="sha256">Expected SHA-256 as 64 hex digits, or null to skip the check.</param>
    /// <param name="progress">Receives progress reports during the transfer, or null.</param>
    /// <param name="cancellationToken">Stops the download, keeping the partial file for a later resume.</param>
    /// <exception cref="ModelSourceException">
    /// The server rejected the request, retries ran out, the file is not GGUF, or its SHA-256 differs.
    /// </exception>
    public async Task<string> DownloadAsync(
        Uri url,
        string cacheDirectory,
        string? sha256,
        IProgress<ModelDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        if (!ModelSource.IsHttpUrl(url))
        {
            throw new ArgumentException($"Expected an absolute http or https URL, got '{url}'.", nameof(url));
        }

        var expectedSha256 = sha256 is null ? null : ModelFileChecks.NormalizeSha256(sha256);
        var files = ModelCacheFile.For(url, cacheDirectory);
        var displayUrl = ModelSource.RedactUrl(url);
        Directory.CreateDirectory(Path.GetDirectoryName(files.Path)!);

        if (await TryUseCachedFileAsync(files, expectedSha256, cancellationToken).ConfigureAwait(false))
        {
            return files.Path;
        }

        await using var fileLock = await AcquireLockAsync(files, cancellationToken).ConfigureAwait(false);

        // Another process or caller may have finished the same download while this one waited.
        if (await TryUseCachedFileAsync(files, expectedSha256, cancellationToken).ConfigureAwait(false))
        {
            return files.Path;
        }

        LogDownloadStarting(_logger, displayUrl, files.Path);
        var startTimestamp = _timeProvider.GetTimestamp();
        await DownloadWithRetriesAsync(url, displayUrl, files.PartialPath, progress, cancellationToken).ConfigureAwait(false);
        await VerifyPartialFileAsync(displayUrl, files, expectedSha256, cancellationToken).ConfigureAwait(false);

        File.Move(files.PartialPath, files.Path, overwrite: true);
        if (expectedSha256 is not null)
        {
            await WriteHashRecordAsync(files, expectedSha256, cancellationToken).ConfigureAwait(false);
        }

        var length = new FileInfo(files.Path).Length;
        LogDownloadCompleted(_logger, displayUrl, files.Path, length, _timeProvider.GetElapsedTime(startTimestamp).TotalSeconds);
        return files.Path;
    }

    private async Task<bool> TryUseCachedFileAsync(ModelCacheFile files, string? expectedSha256, CancellationToken cancellationToken)
    {
        var file = new FileInfo(files.Path);
        if (!file.Exists)
        {
            return false;
        }

        if (expectedSha256 is null || await HashRecordMatchesAsync(files, file.Length, expectedSha256, cancellationToken).ConfigureAwait(false))
        {
            LogCachedFileUsed(_logger, files.Path);
            return true;
        }

        var actualSha256 = await ModelFileChecks.ComputeSha256Async(files.Path, cancellationToken).ConfigureAwait(false);
        if (actualSha256 == expectedSha256)
        {
            await WriteHashRecordAsync(files, expectedSha256, cancellationToken).ConfigureAwait(false);
            LogCachedFileUsed(_logger, files.Path);
            return true;
        }

        LogCachedFileHashMismatch(_logger, files.Path, actualSha256, expectedSha256);
        File.Delete(files.Path);
        File.Delete(files.HashPath);
        return false;
    }

    private static async Task<bool> HashRecordMatchesAsync(
        ModelCacheFile files, long length, string expectedSha256, CancellationToken cancellationToken)
    {
        if (!File.Exists(files.HashPath))
        {
            return false;
        }

        // The record is "<sha256> <length>". The length catches a model file replaced after verification.
        var parts = (await File.ReadAllTextAsync(files.HashPath, cancellationToken).ConfigureAwait(false))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && parts[0] == expectedSha256
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var recordedLength)
            && recordedLength == length;
    }

    private static async Task WriteHashRecordAsync(ModelCacheFile files, string sha256, CancellationToken cancellationToken)
    {
        var length = new FileInfo(files.Path).Length;
        var temporaryPath = $"{files.HashPath}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(
            temporaryPath,
            string.Create(CultureInfo.InvariantCulture, $"{sha256} {length}\n"),
            cancellationToken).ConfigureAwait(false);
        File.Move(temporaryPath, files.HashPath, overwrite: true);
    }

    private async Task<FileStream> AcquireLockAsync(ModelCacheFile files, CancellationToken cancellationToken)
    {
        var loggedWait = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive lock that other processes and other handles see.
                // The file stays on disk: deleting it could let two holders lock different inodes.
                return new FileStream(files.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(files.LockPath))
            {
                if (!loggedWait)
                {
                    LogWaitingForLock(_logger, files.LockPath);
                    loggedWait = true;
                }

                await Task.Delay(s_lockPollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DownloadWithRetriesAsync(
        Uri url, string displayUrl, string partialPath, IProgress<ModelDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadAttemptAsync(url, displayUrl, partialPath, progress, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (IsTransient(exception, cancellationToken))
            {
                if (attempt >= _options.MaxAttempts)
                {
                    throw new ModelSourceException(
                        $"Download of {displayUrl} failed after {attempt} attempts: {exception.Message} "
                        + "Start again to resume from the bytes already downloaded.",
                        exception);
                }

                var delay = _options.GetRetryDelay(attempt);
                LogRetryScheduled(_logger, exception, displayUrl, attempt, _options.MaxAttempts, delay.TotalSeconds);
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task VerifyPartialFileAsync(
        string displayUrl, ModelCacheFile files, string? expectedSha256, CancellationToken cancellationToken)
    {
        if (!ModelFileChecks.HasGgufMagic(files.PartialPath))
        {
            File.Delete(files.PartialPath);
            throw new ModelSourceException(
                $"The file downloaded from {displayUrl} is not a GGUF model: it does not start with the bytes 'GGUF'. "
                + "Check that the URL points to the .gguf file itself (for Hugging Face, a '/resolve/' URL, not '/blob/').");
        }

        if (expectedSha256 is null)
        {
            return;
        }

        var actualSha256 = await ModelFileChecks.ComputeSha256Async(files.PartialPath, cancellationToken).ConfigureAwait(false);
        if (actualSha256 != expectedSha256)
        {
            File.Delete(files.PartialPath);
            throw new ModelSourceException(
                $"The file downloaded from {displayUrl} has SHA-256 {actualSha256}, but {expectedSha256} was expected. "
                + "The file was deleted. Check the --model-sha256 value and the URL.");
        }
    }

    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        TransientDownloadException => true,
        HttpRequestException { StatusCode: null } => true,
        IOException => true,
        TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
