using System.Text;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Engine;

/// <summary>Streamed text never splits a UTF-8 character and adds up to the non-streamed text.</summary>
public abstract class Utf8StreamingTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Stream_EveryChunkIsWholeUtf8_AndMatchesNonStreamed(int seed)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        var body = new Dictionary<string, object>
        {
            ["model"] = fixture.ModelName,
            ["prompt"] = "Ünïcödé 日本語 ✓ 🙂 text:",
            ["max_tokens"] = 120,
            ["ignore_eos"] = true,
            ["temperature"] = 1.0,
            ["seed"] = seed,
        };
        using var whole = await client.PostAsync("/v1/completions", Json.Content(body));
        var expected = (await Json.ReadAsync(whole)).GetProperty("choices")[0].GetProperty("text").GetString()!;
        body["stream"] = true;

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", body);
        var streamed = new StringBuilder();
        await foreach (var data in ServerSentEvents.ReadDataAsync(response))
        {
            if (data == "[DONE]")
            {
                break;
            }

            using var chunk = JsonDocument.Parse(data);
            var text = ServerSentEvents.GetText(chunk.RootElement) ?? "";
            AssertNoLoneSurrogate(text);
            streamed.Append(text);
        }

        Assert.Equal(expected, streamed.ToString());
        Assert.Contains(streamed.ToString(), c => c > 0x7F);
    }

    private static void AssertNoLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                Assert.True(i + 1 < text.Length, $"High surrogate at the end of '{text}'.");
                Assert.True(char.IsLowSurrogate(text[i + 1]), $"Lone high surrogate in '{text}'.");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(text[i]), $"Lone low surrogate in '{text}'.");
            }
        }
    }
}

/// <summary>The tests above on the generated model.</summary>
public sealed class GeneratedModelUtf8StreamingTests(ParallelFixture<GeneratedModel> fixture)
    : Utf8StreamingTests<ParallelFixture<GeneratedModel>>(fixture);

/// <summary>The tests above on the external llama-2 model.</summary>
public sealed class SharedModelUtf8StreamingTests(ParallelFixture<SharedModel> fixture)
    : Utf8StreamingTests<ParallelFixture<SharedModel>>(fixture);
