using System.Net;
using System.Security.Cryptography;
using Gantry.Engine.Models;
using Microsoft.AspNetCore.Http;

namespace Gantry.Engine.Tests.Models;

public sealed class ModelDownloaderTests
{
    private static string ModelSha256 => Convert.ToHexStringLower(SHA256.HashData(DownloadFixture.ModelBytes));

    [Fact]
    public async Task Download_Fresh_WritesSourceBytes()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var progress = new RecordingProgress();

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, progress, CancellationToken.None);

        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(ModelCacheFile.For(fixture.Url, fixture.CacheDirectory).Path, path);
        Assert.EndsWith("-tiny.gguf", path);
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ".lock"], fixture.CachedFileNames());
        var last = progress.Reports.Last();
        Assert.True(last.IsComplete);
        Assert.Equal(DownloadFixture.ModelBytes.Length, last.BytesDownloaded);
        Assert.All(progress.Reports, report => Assert.Equal(DownloadFixture.ModelBytes.Length, report.TotalBytes));
    }

    [Fact]
    public async Task Download_Cached_SendsNoSecondRequest()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var downloader = fixture.CreateDownloader();

        var first = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);
        var second = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Single(fixture.Server.Requests);
    }

    [Fact]
    public async Task Download_ConnectionDropped_ResumesWithRange()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        const int dropAfter = 100_000;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new RecordingProgress(report =>
        {
            if (report.BytesDownloaded >= dropAfter)
            {
                received.TrySetResult();
            }
        });
        fixture.Server.Handler = (number, context) => number == 1
            ? fixture.Server.ServePrefixThenDropAsync(context, dropAfter, received.Task)
            : fixture.Server.ServeAsync(context);

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, progress, CancellationToken.None);

        var requests = fixture.Server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Null(requests[0].Range);
        Assert.Equal($"bytes={dropAfter}-", requests[1].Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public async Task Download_InterruptedRun_ResumesOnNextCall()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        const int dropAfter = 70_000;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new RecordingProgress(report =>
        {
            if (report.BytesDownloaded >= dropAfter)
            {
                received.TrySetResult();
            }
        });
        fixture.Server.Handler = (number, context) => number == 1
            ? fixture.Server.ServePrefixThenDropAsync(context, dropAfter, received.Task)
            : fixture.Server.ServeAsync(context);
        var downloader = fixture.CreateDownloader(maxAttempts: 1);
        var files = ModelCacheFile.For(fixture.Url, fixture.CacheDirectory);

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, progress, CancellationToken.None));
        var partialLength = new FileInfo(files.PartialPath).Length;
        var path = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        Assert.Contains("failed after 1 attempts", exception.Message);
        Assert.Equal(dropAfter, partialLength);
        Assert.Equal($"bytes={dropAfter}-", fixture.Server.Requests.Last().Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Download_ServerIgnoresRange_RestartsFile()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        const int dropAfter = 100_000;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new RecordingProgress(report =>
        {
            if (report.BytesDownloaded >= dropAfter)
            {
                received.TrySetResult();
            }
        });
        fixture.Server.Handler = (number, context) => number == 1
            ? fixture.Server.ServePrefixThenDropAsync(context, dropAfter, received.Task)
            : fixture.Server.ServeAsync(context, honourRange: false);

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, progress, CancellationToken.None);

        Assert.Equal($"bytes={dropAfter}-", fixture.Server.Requests.Last().Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Download_StalledBody_TimesOutAndResumes()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        fixture.Server.Handler = async (number, context) =>
        {
            if (number > 1)
            {
                await fixture.Server.ServeAsync(context);
                return;
            }

            context.Response.ContentLength = DownloadFixture.ModelBytes.Length;
            await context.Response.Body.WriteAsync(DownloadFixture.ModelBytes.AsMemory(0, 1000));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        var downloader = fixture.CreateDownloader(readTimeout: TimeSpan.FromSeconds(2));

        var path = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        Assert.Equal("bytes=1000-", fixture.Server.Requests.Last().Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Download_MatchingSha_RecordsHash()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var downloader = fixture.CreateDownloader();

        var path = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, ModelSha256.ToUpperInvariant(), null, CancellationToken.None);
        var again = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, ModelSha256, null, CancellationToken.None);

        Assert.Equal(path, again);
        Assert.Single(fixture.Server.Requests);
        Assert.Equal($"{ModelSha256} {DownloadFixture.ModelBytes.Length}\n", await File.ReadAllTextAsync(path + ".sha256"));
    }

    [Fact]
    public async Task Download_ShaMismatch_NamesBothHashes()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var wrongSha256 = new string('a', 64);

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, wrongSha256, null, CancellationToken.None));

        Assert.Contains(ModelSha256, exception.Message);
        Assert.Contains(wrongSha256, exception.Message);
        Assert.Contains(fixture.Url.AbsoluteUri, exception.Message);
        Assert.DoesNotContain(fixture.CachedFileNames(), name => name.EndsWith(".gguf", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.CachedFileNames(), name => name.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_CorruptCachedFile_DownloadsAgain()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var downloader = fixture.CreateDownloader();
        var path = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);
        var corrupt = DownloadFixture.ModelBytes.ToArray();
        corrupt[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, corrupt);

        var again = await downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, ModelSha256, null, CancellationToken.None);

        Assert.Equal(2, fixture.Server.Requests.Count);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(again));
    }

    [Fact]
    public async Task Download_InvalidSha_FailsBeforeAnyRequest()
    {
        await using var fixture = await DownloadFixture.StartAsync();

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, "abc123", null, CancellationToken.None));

        Assert.Contains("'abc123'", exception.Message);
        Assert.Empty(fixture.Server.Requests);
    }

    [Theory]
    [InlineData(StatusCodes.Status404NotFound)]
    [InlineData(StatusCodes.Status403Forbidden)]
    [InlineData(StatusCodes.Status401Unauthorized)]
    public async Task Download_ClientError_FailsWithoutRetry(int status)
    {
        await using var fixture = await DownloadFixture.StartAsync();
        fixture.Server.Handler = (_, context) =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        };

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None));

        Assert.Equal((HttpStatusCode)status, exception.StatusCode);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), exception.Message);
        Assert.Contains(fixture.Url.AbsoluteUri, exception.Message);
        Assert.Single(fixture.Server.Requests);
    }

    [Fact]
    public async Task Download_ServiceUnavailableOnce_Retries()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        fixture.Server.Handler = async (number, context) =>
        {
            if (number == 1)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await fixture.Server.ServeAsync(context);
        };

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        Assert.Equal(2, fixture.Server.Requests.Count);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Download_PersistentServerError_StopsAfterMaxAttempts()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        fixture.Server.Handler = (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => fixture.CreateDownloader(maxAttempts: 3).DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None));

        Assert.Equal(3, fixture.Server.Requests.Count);
        Assert.Contains("failed after 3 attempts", exception.Message);
        Assert.Contains("500", exception.Message);
    }

    [Fact]
    public async Task Download_HtmlBody_FailsAsNotGguf()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        fixture.Server.Content = "<!doctype html><html><body>Sign in</body></html>"u8.ToArray();

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None));

        Assert.Contains("not a GGUF model", exception.Message);
        Assert.Contains(fixture.Url.AbsoluteUri, exception.Message);
        Assert.DoesNotContain(fixture.CachedFileNames(), name => !name.EndsWith(".lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_Cancelled_KeepsPartialFile()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        const int sentBytes = 50_000;
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(report =>
        {
            if (report.BytesDownloaded >= sentBytes)
            {
                cancellation.Cancel();
            }
        });
        fixture.Server.Handler = async (_, context) =>
        {
            context.Response.ContentLength = DownloadFixture.ModelBytes.Length;
            await context.Response.Body.WriteAsync(DownloadFixture.ModelBytes.AsMemory(0, sentBytes));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        var files = ModelCacheFile.For(fixture.Url, fixture.CacheDirectory);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, progress, cancellation.Token));

        Assert.Equal(sentBytes, new FileInfo(files.PartialPath).Length);
        Assert.False(File.Exists(files.Path));
        Assert.Single(fixture.Server.Requests);
    }

    [Fact]
    public async Task Download_CompletePartialFile_FinishesOn416()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var files = ModelCacheFile.For(fixture.Url, fixture.CacheDirectory);
        Directory.CreateDirectory(fixture.CacheDirectory);
        await File.WriteAllBytesAsync(files.PartialPath, DownloadFixture.ModelBytes);

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        Assert.Equal($"bytes={DownloadFixture.ModelBytes.Length}-", Assert.Single(fixture.Server.Requests).Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(files.PartialPath));
    }

    [Fact]
    public async Task Download_WrongContentRange_RestartsFromZero()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var files = ModelCacheFile.For(fixture.Url, fixture.CacheDirectory);
        Directory.CreateDirectory(fixture.CacheDirectory);
        await File.WriteAllBytesAsync(files.PartialPath, DownloadFixture.ModelBytes.AsSpan(0, 5000).ToArray());
        fixture.Server.Handler = async (number, context) =>
        {
            if (number > 1)
            {
                await fixture.Server.ServeAsync(context);
                return;
            }

            var length = DownloadFixture.ModelBytes.Length;
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes 4000-{length - 1}/{length}";
            context.Response.ContentLength = length - 4000;
            await context.Response.Body.WriteAsync(DownloadFixture.ModelBytes.AsMemory(4000));
        };

        var path = await fixture.CreateDownloader().DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None);

        var requests = fixture.Server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal("bytes=5000-", requests[0].Range);
        Assert.Null(requests[1].Range);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Download_ConcurrentCalls_FetchOnce()
    {
        await using var fixture = await DownloadFixture.StartAsync();
        var downloader = fixture.CreateDownloader();

        var paths = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
            () => downloader.DownloadAsync(fixture.Url, fixture.CacheDirectory, null, null, CancellationToken.None))));

        Assert.All(paths, path => Assert.Equal(paths[0], path));
        Assert.Single(fixture.Server.Requests);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(paths[0]));
    }
}
