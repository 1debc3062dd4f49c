using System.Text;
using Gantry.Security;

namespace Gantry.Tests.Security;

public sealed class ApiKeyFileTests
{
    [Fact]
    public void Parse_ValidFile_ReturnsKeys()
    {
        var json = KeyFiles.Json(("secret-1", "web", "acme", ["inference", "feedback"]), ("secret-2", "ops", "*", ["admin"]));

        var keys = ApiKeyFile.Parse(Encoding.UTF8.GetBytes(json), out var errors);

        Assert.Empty(errors);
        Assert.NotNull(keys);
        Assert.Equal(2, keys.Count);
        Assert.Equal("web", keys[0].Name);
        Assert.Equal("acme", keys[0].Tenant);
        Assert.True(keys[0].Scopes.SetEquals(["inference", "feedback"]));
        Assert.Equal(KeyFiles.Hash("secret-1"), Convert.ToHexStringLower(keys[0].Sha256));
        Assert.True(keys[1].Scopes.SetEquals(["admin"]));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "'keys' array")]
    [InlineData("{\"keys\": {}}", "'keys' array")]
    [InlineData("{\"keys\": [1]}", "keys[0]: must be an object")]
    [InlineData("{\"keys\": [{\"sha256\": \"00\", \"tenant\": \"t\", \"scopes\": []}]}", "keys[0].name")]
    [InlineData("{\"keys\": [{\"name\": \"a\", \"sha256\": \"zz\", \"tenant\": \"t\", \"scopes\": []}]}", "64 hex digits")]
    [InlineData("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + "ab" + "\", \"tenant\": \"t\", \"scopes\": []}]}", "64 hex digits")]
    [InlineData("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + Hex64 + "\", \"scopes\": []}]}", "keys[0].tenant")]
    [InlineData("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + Hex64 + "\", \"tenant\": \"t\"}]}", "keys[0].scopes")]
    [InlineData("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + Hex64 + "\", \"tenant\": \"t\", \"scopes\": [\"root\"]}]}", "not a scope")]
    public void Parse_InvalidFile_ListsProblem(string json, string expected)
    {
        var keys = ApiKeyFile.Parse(Encoding.UTF8.GetBytes(json), out var errors);

        Assert.Null(keys);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_DuplicateNameOrHash_IsRejected()
    {
        var sameName = KeyFiles.Json(("a", "web", "t", ["inference"]), ("b", "web", "t", ["inference"]));
        var sameHash = KeyFiles.Json(("a", "web", "t", ["inference"]), ("a", "other", "t", ["inference"]));

        Assert.Null(ApiKeyFile.Parse(Encoding.UTF8.GetBytes(sameName), out var nameErrors));
        Assert.Null(ApiKeyFile.Parse(Encoding.UTF8.GetBytes(sameHash), out var hashErrors));
        Assert.Contains(nameErrors, e => e.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(hashErrors, e => e.Contains("same sha256", StringComparison.Ordinal));
    }

    private const string Hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
}
