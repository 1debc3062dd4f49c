using System.Text.Json;

namespace Gantry.Bench.Tests;

public sealed class PromptGeneratorTests
{
    [Fact]
    public void Build_SameSeed_SamePrompts()
    {
        Assert.Equal(PromptGenerator.Build(20, 50, 5), PromptGenerator.Build(20, 50, 5));
    }

    [Fact]
    public void Build_Prompts_HaveRequestedWordCountAndDiffer()
    {
        var prompts = PromptGenerator.Build(200, 32, 1);

        Assert.All(prompts, p => Assert.Equal(32, p.Split(' ').Length));
        Assert.Equal(prompts.Length, prompts.Distinct(StringComparer.Ordinal).Count());

        // Distinct first words keep a prefix cache from sharing work. With 200 prompts over a list of
        // 260 words, almost all first three-word prefixes differ.
        var prefixes = prompts.Select(p => string.Join(' ', p.Split(' ').Take(3))).Distinct(StringComparer.Ordinal).Count();
        Assert.True(prefixes > 190, $"only {prefixes} distinct three-word prefixes");
    }

    [Fact]
    public void Build_OtherSeed_OtherPrompts()
    {
        Assert.NotEqual(PromptGenerator.Build(5, 20, 1), PromptGenerator.Build(5, 20, 2));
    }

    [Fact]
    public void RequestBody_Completions_AsksForFixedLengthStream()
    {
        var body = RequestBodyBuilder.Build(BenchEndpoint.Completions, "m", "hello \"world\"", 7);

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal("m", root.GetProperty("model").GetString());
        Assert.Equal("hello \"world\"", root.GetProperty("prompt").GetString());
        Assert.Equal(7, root.GetProperty("max_tokens").GetInt32());
        Assert.True(root.GetProperty("ignore_eos").GetBoolean());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(root.TryGetProperty("messages", out _));
        Assert.False(root.TryGetProperty("temperature", out _));
    }

    [Fact]
    public void RequestBody_Chat_SendsOneUserMessage()
    {
        var body = RequestBodyBuilder.Build(BenchEndpoint.Chat, "m", "hi", 3, temperature: 0.5);

        using var document = JsonDocument.Parse(body);
        var messages = document.RootElement.GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
        Assert.Equal("hi", messages[0].GetProperty("content").GetString());
        Assert.False(document.RootElement.TryGetProperty("prompt", out _));
        Assert.Equal(0.5, document.RootElement.GetProperty("temperature").GetDouble());
    }
}
