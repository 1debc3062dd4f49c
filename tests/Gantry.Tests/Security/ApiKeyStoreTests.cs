using System.Diagnostics;
using Gantry.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gantry.Tests.Security;

public sealed class ApiKeyStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gantry-keys-");

    [Fact]
    public void Find_ConfiguredKey_ReturnsItsEntry()
    {
        using var store = Open(KeyFiles.Json(("s3cret", "web", "acme", ["inference"]), ("other", "ops", "*", ["admin"])));

        var found = store.Find("s3cret");

        Assert.NotNull(found);
        Assert.Equal("web", found.Name);
        Assert.Null(store.Find("s3cret "));
        Assert.Null(store.Find("S3CRET"));
        Assert.Null(store.Find(""));
        Assert.Equal("ops", store.Find("other")?.Name);
    }

    [Fact]
    public void Find_LongNonAsciiKey_DoesNotThrow()
    {
        using var store = Open(KeyFiles.Json(("ключ-" + new string('x', 1000), "long", "t", ["inference"])));

        Assert.Equal("long", store.Find("ключ-" + new string('x', 1000))?.Name);
        Assert.Null(store.Find(new string('é', 5000)));
    }

    [Fact]
    public async Task Keys_FileRewritten_AreReloaded()
    {
        using var store = Open(KeyFiles.Json(("old", "first", "t", ["inference"])));
        Assert.NotNull(store.Find("old"));

        await File.WriteAllTextAsync(store.FilePath, KeyFiles.Json(("new", "second", "t", ["inference"])));

        await PollAsync(() => store.Find("new") is not null);
        Assert.Null(store.Find("old"));
    }

    [Fact]
    public async Task Keys_FileReplacedByRename_AreReloaded()
    {
        using var store = Open(KeyFiles.Json(("old", "first", "t", ["inference"])));
        var staging = Path.Combine(_directory.FullName, "staging.json");
        await File.WriteAllTextAsync(staging, KeyFiles.Json(("new", "second", "t", ["inference"])));

        File.Move(staging, store.FilePath, overwrite: true);

        await PollAsync(() => store.Find("new") is not null);
        Assert.Null(store.Find("old"));
    }

    [Fact]
    public async Task Keys_InvalidRewrite_KeepsPreviousKeys()
    {
        using var store = Open(KeyFiles.Json(("old", "first", "t", ["inference"])));

        await File.WriteAllTextAsync(store.FilePath, "{\"keys\": [ broken");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ApiKeyStore.RecheckInterval * 2)
        {
            Assert.NotNull(store.Find("old"));
            await Task.Delay(10);
        }

        await File.WriteAllTextAsync(store.FilePath, KeyFiles.Json(("fixed", "first", "t", ["inference"])));
        await PollAsync(() => store.Find("fixed") is not null);
    }

    [Fact]
    public void Open_MissingFile_ReportsPath()
    {
        var path = Path.Combine(_directory.FullName, "absent.json");

        var store = ApiKeyStore.Open(path, NullLogger.Instance, TimeProvider.System, out var errors);

        Assert.Null(store);
        var error = Assert.Single(errors);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private ApiKeyStore Open(string json)
    {
        var path = Path.Combine(_directory.FullName, "keys.json");
        File.WriteAllText(path, json);
        return ApiKeyStore.Open(path, NullLogger.Instance, TimeProvider.System, out var errors)
            ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    private static async Task PollAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "The key file change was not picked up in 30 s.");
            await Task.Delay(10);
        }
    }
}
