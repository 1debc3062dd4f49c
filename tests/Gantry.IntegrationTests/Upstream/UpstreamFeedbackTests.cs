using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>Completion records and feedback for requests that a Gantry in upstream mode forwarded.</summary>
public sealed class UpstreamFeedbackTests
{
    private const string ClientModel = "front";

    [Fact]
    public async Task StreamedCompletion_IsRecordedAndExported()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => StreamWordsAsync(context);
        await using var gantry = await GantryServer.StartAsync(["--upstream", upstream.BaseAddress.ToString(),
            "--upstream-model", "fake-model", "--model-name", ClientModel, "--capture", "full"]);
        using var client = gantry.CreateClient();
        string? completionId = null;
        using (var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", new
        {
            model = ClientModel,
            messages = new[] { new { role = "user", content = "Say hello." } },
            stream = true,
        }))
        {
            await foreach (var data in ServerSentEvents.ReadDataAsync(stream))
            {
                if (data != "[DONE]")
                {
                    completionId ??= JsonDocument.Parse(data).RootElement.GetProperty("id").GetString();
                }
            }
        }

        using var feedback = await client.PostAsync("/v1/feedback", Json.Content(new
        {
            completion_id = completionId,
            rating = "up",
        }));
        var output = Path.Combine(gantry.DataDir, "export", "sft.jsonl");
        var exitCode = await RunGantryAsync("feedback", "export", "--format", "sft", "--output", output,
            "--data-dir", gantry.DataDir);
        var lines = await File.ReadAllLinesAsync(output);

        Assert.Equal("chatcmpl-fake", completionId);
        Assert.Equal(HttpStatusCode.Created, feedback.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.Equal(
            ["""{"messages":[{"role":"user","content":"Say hello."},{"role":"assistant","content":"Hello world"}]}"""],
            lines);
    }

    private static async Task StreamWordsAsync(HttpContext context)
    {
        await FakeUpstream.StartStreamAsync(context);
        await FakeUpstream.WriteChunkAsync(context, "Hello");
        await FakeUpstream.WriteChunkAsync(context, " world");
        await FakeUpstream.WriteChunkAsync(context, null, "stop");
        await FakeUpstream.WriteRawAsync(context, "data: [DONE]\n\n");
    }

    private static async Task<int> RunGantryAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.ServerAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        await stdout;
        Assert.True(process.ExitCode == 0, await stderr);
        return process.ExitCode;
    }
}
