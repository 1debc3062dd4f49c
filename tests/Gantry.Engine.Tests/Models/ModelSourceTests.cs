using System.Security.Cryptography;
using Gantry.Engine.Models;
using Gantry.Testing;

namespace Gantry.Engine.Tests.Models;

public sealed class ModelSourceTests
{
    [Fact]
    public async Task Resolve_LocalFile_ReturnsFullPath()
    {
        var path = TestModels.GetPath(TestModels.Tiny);

        var resolved = await ModelSource.ResolveAsync(path, "unused-cache", null, null, CancellationToken.None);

        Assert.Equal(Path.GetFullPath(path), resolved);
    }

    [Fact]
    public async Task Resolve_LocalFileWithMatchingSha_ReturnsPath()
    {
        var path = TestModels.GetPath(TestModels.Tiny);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));

        var resolved = await ModelSource.ResolveAsync(path, "unused-cache", sha256, null, CancellationToken.None);

        Assert.Equal(path, resolved);
    }

    [Fact]
    public async Task Resolve_LocalShaMismatch_NamesBothHashes()
    {
        var path = TestModels.GetPath(TestModels.Tiny);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        var wrongSha256 = new string('0', 64);

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => ModelSource.ResolveAsync(path, "unused-cache", wrongSha256, null, CancellationToken.None));

        Assert.Contains(sha256, exception.Message);
        Assert.Contains(wrongSha256, exception.Message);
    }

    [Fact]
    public async Task Resolve_MissingFile_FailsNamingPath()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "missing.gguf");

        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => ModelSource.ResolveAsync(path, "unused-cache", null, null, CancellationToken.None));

        Assert.Contains("not found", exception.Message);
        Assert.Contains(path, exception.Message);
    }

    [Fact]
    public async Task Resolve_LocalNonGgufFile_Fails()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gantry-{Guid.NewGuid():N}.gguf");
        await File.WriteAllTextAsync(path, "not a model");
        try
        {
            var exception = await Assert.ThrowsAsync<ModelSourceException>(
                () => ModelSource.ResolveAsync(path, "unused-cache", null, null, CancellationToken.None));

            Assert.Contains("not a GGUF model", exception.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/model.gguf")]
    [InlineData("hf://org/repo/model.gguf")]
    public async Task Resolve_UnsupportedScheme_Fails(string argument)
    {
        var exception = await Assert.ThrowsAsync<ModelSourceException>(
            () => ModelSource.ResolveAsync(argument, "unused-cache", null, null, CancellationToken.None));

        Assert.Contains("only http and https", exception.Message);
    }

    [Fact]
    public async Task Resolve_Url_DownloadsIntoCache()
    {
        await using var fixture = await DownloadFixture.StartAsync();

        var path = await ModelSource.ResolveAsync(
            fixture.Url.AbsoluteUri, fixture.CacheDirectory, null, null, fixture.CreateDownloader(), CancellationToken.None);

        Assert.StartsWith(Path.GetFullPath(fixture.CacheDirectory), path);
        Assert.Equal(DownloadFixture.ModelBytes, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [InlineData("https://huggingface.co/org/repo/resolve/main/model.Q4_K_M.gguf", true)]
    [InlineData("http://127.0.0.1:8080/m.gguf", true)]
    [InlineData("/models/model.gguf", false)]
    [InlineData("model.gguf", false)]
    [InlineData("ftp://host/model.gguf", false)]
    public void IsUrl_Argument_DetectsHttp(string argument, bool expected)
    {
        Assert.Equal(expected, ModelSource.IsUrl(argument));
    }

    [Fact]
    public void RedactUrl_WithQuery_OmitsQuery()
    {
        var redacted = ModelSource.RedactUrl(new Uri("https://example.test/a/model.gguf?token=secret"));

        Assert.Equal("https://example.test/a/model.gguf?(query omitted)", redacted);
    }
}
