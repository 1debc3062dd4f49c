using Gantry.Engine.Models;

namespace Gantry.Engine.Tests.Models;

public sealed class ModelCacheFileTests
{
    [Fact]
    public void For_Url_CombinesHashAndLastSegment()
    {
        var file = ModelCacheFile.For(new Uri("https://huggingface.co/org/repo/resolve/main/model.Q4_K_M.gguf"), "/cache");

        var name = Path.GetFileName(file.Path);

        Assert.Matches("^[0-9a-f]{12}-model\\.Q4_K_M\\.gguf$", name);
        Assert.Equal(file.Path + ".partial", file.PartialPath);
        Assert.Equal(file.Path + ".sha256", file.HashPath);
    }

    [Fact]
    public void For_OtherHost_DiffersInHash()
    {
        var first = ModelCacheFile.For(new Uri("https://a.test/x/model.gguf"), "/cache");
        var second = ModelCacheFile.For(new Uri("https://b.test/x/model.gguf"), "/cache");

        Assert.NotEqual(first.Path, second.Path);
    }

    [Fact]
    public void For_SameUrl_IsStable()
    {
        var first = ModelCacheFile.For(new Uri("https://a.test/x/model.gguf"), "/cache");
        var second = ModelCacheFile.For(new Uri("https://a.test/x/model.gguf"), "/cache");

        Assert.Equal(first.Path, second.Path);
    }

    [Theory]
    [InlineData("https://a.test/", "model.gguf")]
    [InlineData("https://a.test/dir/..%2F..%2Fetc%2Fpasswd", "_.._etc_passwd")]
    [InlineData("https://a.test/dir/my%20model.gguf?download=true", "my_model.gguf")]
    public void For_UnusualSegment_GivesSafeName(string url, string expectedSuffix)
    {
        var file = ModelCacheFile.For(new Uri(url), "/cache");

        Assert.EndsWith("-" + expectedSuffix, file.Path);
        Assert.Equal("/cache", Path.GetDirectoryName(file.Path));
    }
}
