using System.Text;

namespace Gantry.IntegrationTests.Security;

/// <summary>Inputs that the generated hostile requests found to fail once, kept as explicit cases.</summary>
public sealed class HostileInputRegressionTests(HostileInputFixture fixture) : IClassFixture<HostileInputFixture>
{
    private const string Authorization = "Bearer sk-hostile";

    public static TheoryData<string, string, byte[]> Cases => new()
    {
        // An invalid UTF-8 byte inside a property name: the parser threw while reading the name, a 500.
        { "invalid-utf8-name", "/v1/chat/completions", Bytes("{\"", [0xFF], "completion_id\": \"x\", \"rating\": \"up\"}") },
        { "invalid-utf8-value", "/v1/completions", Bytes("{\"model\": \"test-model\", \"prompt\": \"", [0xC3], "\"}") },
        { "overlong-utf8", "/v1/completions", Bytes("{\"model\": \"test-model\", \"prompt\": \"", [0xC0, 0xAF], "\"}") },
        { "encoded-surrogate", "/v1/completions", Bytes("{\"model\": \"", [0xED, 0xA0, 0x80], "\", \"prompt\": \"x\"}") },
        // A lone surrogate written as an escape: valid JSON syntax, but reading the string threw, a 500.
        { "escaped-lone-surrogate", "/v1/chat/completions", Bytes(
            "{\"model\": \"test-model\", \"messages\": [{\"role\": \"\\ud800\", \"content\": \"hi\"}]}") },
        { "escaped-reversed-pair", "/v1/completions", Bytes(
            "{\"model\": \"test-model\", \"prompt\": \"\\udc00\\ud800\", \"max_tokens\": 1}") },
        { "escaped-surrogate-name", "/v1/completions", Bytes("{\"\\udfff\": 1, \"model\": \"test-model\", \"prompt\": \"x\"}") },
        { "deep-nesting", "/v1/chat/completions", Bytes("{\"messages\": " + new string('[', 100_000)) },
        { "huge-number", "/v1/completions", Bytes("{\"model\": \"test-model\", \"prompt\": \"x\", \"max_tokens\": 1e400}") },
        { "huge-integer", "/v1/completions", Bytes(
            "{\"model\": \"test-model\", \"prompt\": \"x\", \"seed\": 123456789012345678901234567890}") },
        { "duplicated-keys", "/v1/completions", Bytes(
            "{\"model\": \"test-model\", \"prompt\": \"x\", \"max_tokens\": \"a\", \"max_tokens\": -1}") },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileBody_Returns400WithErrorBody(string kind, string path, byte[] body)
    {
        using var client = fixture.Server.Server.CreateClient();
        var hostile = new HostileRequest("POST", path, "application/json", Authorization, body, kind);

        await HostileInputTests.SendAndCheckAsync(client, hostile);

        using var request = hostile.ToHttpRequest(client.BaseAddress!);
        using var response = await client.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task DoubleSlashPath_StaysOnServer()
    {
        using var client = fixture.Server.Server.CreateClient();
        var hostile = new HostileRequest("POST", "//v1//completions", "application/json", Authorization, Bytes("{}"), "path");

        using var request = hostile.ToHttpRequest(client.BaseAddress!);

        Assert.Equal(client.BaseAddress!.Authority, request.RequestUri!.Authority);
        await HostileInputTests.SendAndCheckAsync(client, hostile);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Bytes(string before, byte[] raw, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. raw, .. Encoding.UTF8.GetBytes(after)];
}
