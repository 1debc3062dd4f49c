using System.Globalization;
using System.Text;
using CsCheck;

namespace Gantry.IntegrationTests.Security;

/// <summary>One generated request: route, method, headers and raw body bytes.</summary>
/// <param name="Kind">What the body generator made, for the failure report.</param>
public sealed record HostileRequest(string Method, string Path, string? ContentType, string? Authorization, byte[] Body,
    string Kind)
{
    /// <summary>A short description for a failure report: the request line, headers and the start of the body.</summary>
    public override string ToString()
    {
        var body = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 400));
        var escaped = new StringBuilder();
        foreach (var c in body)
        {
            escaped.Append(c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        var auth = Authorization is null ? "none" : Authorization.Length > 40 ? Authorization[..40] + "…" : Authorization;
        return $"{Kind}: {Method} {Path} content-type={ContentType ?? "none"} auth={auth} body[{Body.Length}]={escaped}";
    }

    /// <summary>
    /// Builds the HTTP request for the server at <paramref name="server"/>. The URI is built as text, because a path
    /// such as <c>//v1//completions</c> relative to a base address would name another host.
    /// </summary>
    public HttpRequestMessage ToHttpRequest(Uri server)
    {
        var uri = new Uri(server.GetLeftPart(UriPartial.Authority) + Path);
        if (uri.Host != server.Host || uri.Port != server.Port)
        {
            throw new InvalidOperationException($"The path '{Path}' leads away from {server}.");
        }

        var request = new HttpRequestMessage(new HttpMethod(Method), uri);
        if (Method is not ("HEAD" or "TRACE") && (Body.Length > 0 || ContentType is not null))
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        if (Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }

        // A server may respond to a large body without reading it (401, 404, 413) and close the connection, which
        // breaks the upload before the client reads the response. With 100-continue the client waits for the response.
        request.Headers.ExpectContinue = Body.Length > 64 * 1024;

        // After such a response the server may close a connection that it marked as kept alive, so a request already
        // sent on it fails without reaching the server. One connection per request ties each failure to its cause.
        request.Headers.ConnectionClose = true;
        return request;
    }
}

/// <summary>
/// CsCheck generators of malformed and hostile requests for every route: broken JSON, wrong types, huge numbers,
/// deep nesting, invalid UTF-8, control characters, enormous strings, wrong content types and duplicated keys.
/// </summary>
public static class HostileRequests
{
    private static readonly string[] FieldNames =
    [
        "model", "messages", "prompt", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
        "n", "stream", "stream_options", "stop", "seed", "user", "logprobs", "presence_penalty", "frequency_penalty",
        "repetition_penalty", "ignore_eos", "logit_bias", "tools", "response_format", "completion_id", "rating", "score",
        "comment", "correction", "role", "content", "type", "text", "include_usage", "",
    ];

    private static readonly string[] Scalars =
    [
        "null", "true", "false", "0", "-1", "1", "1e400", "-1e400", "1e-400", "123456789012345678901234567890",
        "-123456789012345678901234567890", "1.5", "-0", "0.0", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "4294967296", "3.4e39", "\"\"", "\"x\"",
        "\"test-model\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\uffff\"", "\"\\\\\"", "[]", "{}",
        "[[[[[]]]]]", "[null]", "[\"\"]", "{\"\": null}", "\"up\"", "\"down\"", "\"user\"", "\"assistant\"",
        "\"system\"", "\"tool\"", "\"text\"", "\"image_url\"", "[{\"type\": \"text\"}]", "[{\"type\": \"text\", \"text\": 5}]",
        "{\"include_usage\": \"yes\"}", "NaN", "Infinity", "-Infinity", "0x10", "01", "+1", ".5", "1.", "1e", "'x'",
    ];

    private static readonly string[] ControlCharacters =
        [.. Enumerable.Range(0, 32).Select(c => ((char)c).ToString()), "\u007f", "\u2028", "\u2029", "\ufeff", "\u202e"];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0x80], [0xC0, 0xAF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0x00],
    ];

    private static readonly (string Method, string Path)[] Routes =
    [
        ("POST", "/v1/chat/completions"), ("POST", "/v1/chat/completions"), ("POST", "/v1/chat/completions"),
        ("POST", "/v1/completions"), ("POST", "/v1/completions"), ("POST", "/v1/completions"),
        ("POST", "/v1/feedback"), ("POST", "/v1/feedback"), ("GET", "/v1/feedback/fb-unknown"),
        ("GET", "/v1/feedback/stats"), ("GET", "/v1/feedback/stats?window=-1&model=%00"),
        ("GET", "/v1/feedback/stats?window=99999999999999999999d"), ("GET", "/v1/models"),
        ("GET", "/v1/models/test-model"), ("GET", "/v1/models/%ff%fe"), ("GET", "/health"), ("GET", "/health/live"),
        ("GET", "/health/ready"), ("GET", "/health/startup"), ("GET", "/metrics"), ("GET", "/v1/unknown"),
        ("POST", "/v1/"), ("GET", "/v1"), ("POST", "/v1/chat/completions/extra"), ("POST", "/v1/%2e%2e/metrics"),
        ("GET", "/nope"), ("POST", "//v1//completions"), ("GET", "/v1/feedback/" + new string('x', 2000)),
        ("POST", "/v1/completions?stream=true"), ("GET", "/v1/models?limit=-1"),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

    private static readonly string?[] ContentTypes =
    [
        "application/json", "application/json", "application/json", "application/json", "application/json; charset=utf-8",
        "APPLICATION/JSON", "application/json; charset=utf-16", "application/json; charset=latin1", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/jsonx", "application/",
        "*/*", ";;;", null,
    ];

    /// <summary>A generator of hostile requests; <paramref name="validAuthorization"/> is used for most of them.</summary>
    public static Gen<HostileRequest> Create(string validAuthorization)
    {
        var route = Gen.Frequency(
            (5, Gen.OneOf<(string Method, string Path)>(("POST", "/v1/chat/completions"), ("POST", "/v1/completions"))),
            (1, Gen.OneOf<(string Method, string Path)>(("POST", "/v1/feedback"), ("GET", "/v1/feedback/stats"))),
            (4, Gen.OneOf(Routes)));
        var method = Gen.Frequency((9, Gen.Const((string?)null)), (1, Gen.OneOf(Methods).Select(m => (string?)m)));
        var contentType = Gen.OneOf(ContentTypes);
        var authorization = Gen.Frequency(
            (16, Gen.Const((string?)validAuthorization)),
            (1, Gen.Const((string?)null)),
            (1, Gen.String[Gen.Char['!', '~'], 0, 80].Select(s => (string?)("Bearer " + s))),
            (1, Gen.OneOf<string?>("Basic Zm9vOmJhcg==", "Bearer", "bearer ", validAuthorization + validAuthorization,
                "Bearer " + new string('k', 3000), validAuthorization.ToUpperInvariant(), "Token " + validAuthorization)));
        var body = Body();
        return Gen.Select(route, method, contentType, authorization, body, (r, m, ct, auth, b) =>
            new HostileRequest(m ?? r.Method, r.Path, ct, auth, b.Bytes, b.Kind));
    }

    private static Gen<(string Kind, byte[] Bytes)> Body()
    {
        var text = JsonText();
        return Gen.Frequency(
            (30, text.Select(t => ("mutated", Encoding.UTF8.GetBytes(t)))),
            (10, Gen.Select(text, Gen.Double[0, 1]).Select((t, f) => ("truncated", Encoding.UTF8.GetBytes(t[..(int)(t.Length * f)])))),
            (8, Gen.Select(text, Gen.Double[0, 1], Gen.OneOf(InvalidUtf8)).Select((t, f, bad) => ("invalid-utf8", Splice(t, f, bad)))),
            (8, Gen.Select(text, Gen.Double[0, 1], Gen.OneOf(ControlCharacters)).Select((t, f, c) =>
                ("control-char", Encoding.UTF8.GetBytes(t.Insert(InsideString(t, f), c))))),
            (6, Gen.Select(Gen.Int[1, 200_000], Gen.Bool, Gen.Bool).Select((depth, objects, closed) => ("deep-nesting", Nested(depth, objects, closed)))),
            (6, DuplicatedKeys().Select(t => ("duplicated-keys", Encoding.UTF8.GetBytes(t)))),
            (4, Gen.Byte.Array[0, 3000].Select(b => ("random-bytes", b))),
            (2, Gen.OneOf("", " ", "\n", "null", "[]", "\"\"", "0", "{", "}", "{}", "a=b&c=d", "\ufeff{}", "{} {}", "{}garbage")
                .Select(s => ("short", Encoding.UTF8.GetBytes(s)))),
            (1, Gen.Select(Gen.Int[100_000, 6_000_000], Gen.Bool).Select((length, asPrompt) => ("enormous", Enormous(length, asPrompt)))));
    }

    private static Gen<string> JsonText()
    {
        var value = Gen.Frequency(
            (6, Gen.OneOf(Scalars)),
            (2, Gen.String[Gen.Char, 0, 40].Select(Quote)),
            (1, Gen.Int[0, 70_000].Select(n => Quote(new string('a', n)))),
            (1, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e999")));
        var messages = Gen.Select(Gen.OneOf(Scalars), value, Gen.Int[0, 6]).Select((role, content, count) =>
            "[" + string.Join(",", Enumerable.Repeat($"{{\"role\": {role}, \"content\": {content}}}", count)) + "]");
        var field = Gen.Select(Gen.OneOf(FieldNames), Gen.Frequency((5, value), (1, messages)));
        var baseRequest = Gen.OneOf(
            "{\"model\": \"test-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2",
            "{\"model\": \"test-model\", \"prompt\": \"hi\", \"max_tokens\": 2",
            "{\"completion_id\": \"chatcmpl-0000\", \"rating\": \"up\"",
            "{");
        return Gen.Select(baseRequest, field.Array[0, 6]).Select((start, fields) =>
        {
            var builder = new StringBuilder(start);
            foreach (var (name, v) in fields)
            {
                if (builder.Length > 1)
                {
                    builder.Append(", ");
                }

                builder.Append(Quote(name)).Append(": ").Append(v);
            }

            return builder.Append('}').ToString();
        });
    }

    private static Gen<string> DuplicatedKeys() =>
        Gen.Select(Gen.OneOf(FieldNames), Gen.OneOf(Scalars), Gen.OneOf(Scalars), Gen.Int[2, 500]).Select((name, a, b, count) =>
            "{\"model\": \"test-model\", \"prompt\": \"x\", \"max_tokens\": 1, "
            + string.Join(", ", Enumerable.Range(0, count).Select(i => $"{Quote(name)}: {(i % 2 == 0 ? a : b)}")) + "}");

    private static byte[] Nested(int depth, bool objects, bool closed)
    {
        var open = objects ? "{\"a\":" : "[";
        var close = objects ? "}" : "]";
        var builder = new StringBuilder("{\"model\": \"test-model\", \"messages\": ");
        builder.Insert(builder.Length, open, depth);
        builder.Append("null");
        if (closed)
        {
            builder.Insert(builder.Length, close, depth);
            builder.Append('}');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static byte[] Enormous(int length, bool asPrompt)
    {
        var filler = new string('w', length);
        var json = asPrompt
            ? $"{{\"model\": \"test-model\", \"prompt\": \"{filler}\", \"max_tokens\": 1}}"
            : $"{{\"model\": \"{filler}\", \"messages\": []}}";
        return Encoding.UTF8.GetBytes(json);
    }

    private static byte[] Splice(string text, double fraction, byte[] insert)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var at = InsideString(text, fraction);
        var prefix = Encoding.UTF8.GetByteCount(text.AsSpan(0, at));
        return [.. bytes.AsSpan(0, prefix), .. insert, .. bytes.AsSpan(prefix)];
    }

    /// <summary>A position just after a quote when the text has one, so the inserted bytes land inside a string.</summary>
    private static int InsideString(string text, double fraction)
    {
        var at = (int)(text.Length * fraction);
        var quote = text.IndexOf('"', Math.Min(at, text.Length));
        return quote >= 0 ? quote + 1 : at;
    }

    private static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
