using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace Gantry.Engine.Models;

/// <summary>One HTTP request of a download and the copy of its body into the partial file.</summary>
public sealed partial class ModelDownloader
{
    private async Task DownloadAttemptAsync(
        Uri url, string displayUrl, string partialPath, IProgress<ModelDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var existingLength = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existingLength > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existingLength, null);
            LogDownloadResuming(_logger, displayUrl, existingLength);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReadTimeout);
        try
        {
            using var response = await _httpClient
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            var plan = PlanTransfer(response, displayUrl, partialPath, existingLength);
            if (plan is null)
            {
                ReportComplete(progress, existingLength);
                return;
            }

            await CopyBodyAsync(response, partialPath, plan.Value, progress, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"No data from {displayUrl} for {_options.ReadTimeout.TotalSeconds:0.#} seconds.", exception);
        }
    }

    /// <summary>
    /// Decides from the response status where the body goes: appended at the partial file's end, or
    /// written from the start. Returns null when the partial file is already complete.
    /// </summary>
    private TransferPlan? PlanTransfer(HttpResponseMessage response, string displayUrl, string partialPath, long existingLength)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                if (range?.From != existingLength)
                {
                    File.Delete(partialPath);
                    throw new TransientDownloadException(
                        $"The server sent a range starting at byte {range?.From} instead of {existingLength}. Restarting the download.");
                }

                return new TransferPlan(existingLength, range.Length, FileMode.Append);

            case HttpStatusCode.OK:
                if (existingLength > 0)
                {
                    LogRangeIgnored(_logger, displayUrl, existingLength);
                }

                return new TransferPlan(0, response.Content.Headers.ContentLength, FileMode.Create);

            case HttpStatusCode.RequestedRangeNotSatisfiable when existingLength > 0:
                // 416 means the partial file reaches the end of the remote file. If it is longer,
                // the remote file changed since the download began, so the partial file is useless.
                if (response.Content.Headers.ContentRange?.Length == existingLength)
                {
                    return null;
                }

                File.Delete(partialPath);
                throw new TransientDownloadException(
                    $"The server rejected a resume at byte {existingLength}. Restarting the download.");

            default:
                throw CreateStatusException(response, displayUrl);
        }
    }

    private async Task CopyBodyAsync(
        HttpResponseMessage response,
        string partialPath,
        TransferPlan plan,
        IProgress<ModelDownloadProgress>? progress,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var startTimestamp = _timeProvider.GetTimestamp();
        var written = plan.StartOffset;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using var file = new FileStream(partialPath, plan.Mode, FileAccess.Write, FileShare.None, BufferSize);
            while (true)
            {
                timeout.CancelAfter(_options.ReadTimeout);
                var read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                var seconds = _timeProvider.GetElapsedTime(startTimestamp).TotalSeconds;
                var rate = seconds > 0 ? (written - plan.StartOffset) / seconds : 0;
                progress?.Report(new ModelDownloadProgress(written, plan.TotalLength, rate, IsComplete: false));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (plan.TotalLength is { } total && written != total)
        {
            throw new IOException($"The connection closed after {written} of {total} bytes.");
        }

        ReportComplete(progress, written);
    }

    private static void ReportComplete(IProgress<ModelDownloadProgress>? progress, long length) =>
        progress?.Report(new ModelDownloadProgress(length, length, 0, IsComplete: true));

    private static Exception CreateStatusException(HttpResponseMessage response, string displayUrl)
    {
        var status = (int)response.StatusCode;
        var text = $"{status} {response.ReasonPhrase}".TrimEnd();
        if (status is 408 or 429 || status >= 500)
        {
            return new TransientDownloadException($"The server returned {text}.");
        }

        var hint = response.StatusCode switch
        {
            HttpStatusCode.NotFound => " Check the URL: no file exists there.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                " The file may be private or gated, and Gantry sends no credentials. Download it yourself and pass the local path.",
            _ => string.Empty,
        };
        return new ModelSourceException($"Download of {displayUrl} failed: the server returned {text}.{hint}", response.StatusCode);
    }

    private readonly record struct TransferPlan(long StartOffset, long? TotalLength, FileMode Mode);
}
