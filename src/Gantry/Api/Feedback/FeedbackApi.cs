using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Gantry.Feedback;
using Gantry.Feedback.Stores;
using Gantry.Security;

namespace Gantry.Api.Feedback;

/// <summary>
/// Routes of the feedback API: <c>POST /v1/feedback</c>, <c>GET /v1/feedback/{id}</c> and
/// <c>GET /v1/feedback/stats</c>. Errors use the OpenAI envelope.
/// </summary>
public static partial class FeedbackApi
{
    /// <summary>Name of the request header that makes <c>POST /v1/feedback</c> safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Response header set to <c>true</c> when a retry returns the first response.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Longest accepted stats window.</summary>
    public static readonly TimeSpan MaxStatsWindow = TimeSpan.FromDays(365);

    /// <summary>Maps the feedback routes.</summary>
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/feedback", CreateAsync);
        routes.MapGet("/v1/feedback/stats", GetStatsAsync);
        routes.MapGet("/v1/feedback/{id}", GetAsync);
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, FeedbackService service, ILoggerFactory loggerFactory)
    {
        if (!context.Request.HasJsonContentType())
        {
            return new ApiError(StatusCodes.Status415UnsupportedMediaType,
                "The request body must be JSON: set 'Content-Type: application/json'.", "invalid_request_error", null,
                "unsupported_media_type").ToResult();
        }

        if (!TryReadIdempotencyKey(context.Request, out var idempotencyKey, out var keyError))
        {
            return keyError!.ToResult();
        }

        var (submission, error) = await ReadSubmissionAsync(context);
        if (submission is null)
        {
            return error!.ToResult();
        }

        var requestHash = idempotencyKey is null ? null : Fingerprint(submission);
        var caller = context.GetCaller();
        FeedbackWriteResult result;
        try
        {
            // A key may rate only its own tenant's completions; any other id gets the same 404 as a missing one.
            if (caller.TenantFilter is not null
                && !caller.CanSee((await service.GetCompletionAsync(submission.CompletionId, context.RequestAborted))?.Tenant))
            {
                return CompletionNotFound(submission.CompletionId);
            }

            // Idempotency keys are scoped to the tenant, so one tenant's key never replays another tenant's entry.
            var scopedKey = idempotencyKey is null || caller.TenantFilter is null ? idempotencyKey : $"{caller.TenantFilter}/{idempotencyKey}";
            result = await service.SubmitAsync(submission, scopedKey, requestHash, context.RequestAborted);
        }
        catch (System.Data.Common.DbException exception)
        {
            Log.StoreFailed(loggerFactory.CreateLogger(typeof(FeedbackApi).FullName!), submission.CompletionId, exception);
            return ApiError.Unavailable(
                "The feedback store is unavailable, so the feedback may not be stored; retry with the same Idempotency-Key.",
                "store_unavailable").ToResult();
        }

        switch (result.Status)
        {
            case FeedbackWriteStatus.Created or FeedbackWriteStatus.Replayed:
                var entry = result.Entry!;
                context.Response.Headers.Location = $"/v1/feedback/{entry.Id}";
                if (result.Status == FeedbackWriteStatus.Replayed)
                {
                    context.Response.Headers[ReplayedHeader] = "true";
                }

                return Results.Json(FeedbackResponse.From(entry), FeedbackJsonContext.Default.FeedbackResponse,
                    statusCode: StatusCodes.Status201Created);
            case FeedbackWriteStatus.IdempotencyKeyReused:
                return new ApiError(StatusCodes.Status422UnprocessableEntity,
                    $"The {IdempotencyKeyHeader} was already used for a different request body; use a new key for new feedback.",
                    "invalid_request_error", IdempotencyKeyHeader, "idempotency_key_reused").ToResult();
            default:
                return CompletionNotFound(submission.CompletionId);
        }
    }

    private static IResult CompletionNotFound(string completionId) => ApiError.NotFound(
        $"No completion with id '{Truncate(completionId)}' is stored. Completions are stored when " +
        "Gantry:Capture is metadata or full, and deleted after Gantry:RecordRetentionDays.",
        "completion_id", "completion_not_found").ToResult();

    private static async Task<IResult> GetAsync(string id, HttpContext context, FeedbackService service,
        CancellationToken cancellationToken)
    {
        var entry = id.Length <= 64 ? await service.GetAsync(id, cancellationToken) : null;
        var caller = context.GetCaller();
        if (entry is not null && caller.TenantFilter is not null
            && !caller.CanSee((await service.GetCompletionAsync(entry.CompletionId, cancellationToken))?.Tenant))
        {
            // Another tenant's entry gets exactly the same 404 as a missing one.
            entry = null;
        }

        return entry is null
            ? ApiError.NotFound($"No feedback with id '{Truncate(id)}' exists.", "id", "feedback_not_found").ToResult()
            : Results.Json(FeedbackResponse.From(entry), FeedbackJsonContext.Default.FeedbackResponse);
    }

    private static async Task<IResult> GetStatsAsync(HttpContext context, FeedbackService service)
    {
        var windowText = context.Request.Query["window"].ToString();
        if (windowText.Length == 0)
        {
            windowText = "24h";
        }

        if (!TryParseWindow(windowText, out var window))
        {
            return ApiError.Invalid(
                $"Query parameter 'window' is '{Truncate(windowText)}'; use a whole number followed by m, h or d " +
                $"(for example 30m, 24h or 7d), at most {MaxStatsWindow.TotalDays} days.", "window").ToResult();
        }

        var model = context.Request.Query["model"].ToString();
        var modelFilter = model.Length == 0 ? null : model;
        var stats = await service.GetStatsAsync(window, modelFilter, context.GetCaller().TenantFilter, context.RequestAborted);
        return Results.Json(FeedbackStatsResponse.From(windowText, modelFilter, stats),
            FeedbackJsonContext.Default.FeedbackStatsResponse);
    }

    /// <summary>Parses a window such as <c>30m</c>, <c>24h</c> or <c>7d</c>.</summary>
    internal static bool TryParseWindow(string text, out TimeSpan window)
    {
        window = default;
        if (text.Length < 2 || text.Length > 8
            || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1)
        {
            return false;
        }

        var unit = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        if (unit == TimeSpan.Zero || count > MaxStatsWindow.Ticks / unit.Ticks)
        {
            return false;
        }

        window = unit * count;
        return true;
    }

    private static bool TryReadIdempotencyKey(HttpRequest request, out string? key, out ApiError? error)
    {
        key = null;
        error = null;
        var values = request.Headers[IdempotencyKeyHeader];
        if (values.Count == 0)
        {
            return true;
        }

        var value = values.Count == 1 ? values[0] : null;
        if (value is null || value.Length is 0 or > FeedbackLimits.MaxIdempotencyKeyLength || value.Any(c => c is < '!' or > '~'))
        {
            error = ApiError.Invalid(
                $"Header '{IdempotencyKeyHeader}' must appear once and hold 1 to {FeedbackLimits.MaxIdempotencyKeyLength} " +
                "printable ASCII characters without spaces.", IdempotencyKeyHeader);
            return false;
        }

        key = value;
        return true;
    }

    private static async Task<(FeedbackSubmission? Submission, ApiError? Error)> ReadSubmissionAsync(HttpContext context)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            return (null, ApiError.Invalid(
                $"The request body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).",
                code: "invalid_json"));
        }

        using (document)
        {
            var submission = FeedbackRequestParser.Parse(document.RootElement, out var error);
            return (submission, error);
        }
    }

    private static string Fingerprint(FeedbackSubmission submission)
    {
        // Hashes the parsed fields rather than the raw bytes, so a retry that serializes the same request with
        // other whitespace or key order still counts as the same request.
        var fingerprint = new FeedbackFingerprint(
            submission.CompletionId, submission.Rating is { } r ? FeedbackMetrics.RatingLabel(r) : null, submission.Score,
            submission.Correction, submission.Comment, submission.Tags, submission.Source);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(fingerprint, FeedbackJsonContext.Default.FeedbackFingerprint);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";

    private static partial class Log
    {
        [LoggerMessage(5300, LogLevel.Error, "Storing feedback on completion {CompletionId} failed", EventName = "FeedbackStoreFailed")]
        public static partial void StoreFailed(ILogger logger, string completionId, Exception exception);
    }
}
