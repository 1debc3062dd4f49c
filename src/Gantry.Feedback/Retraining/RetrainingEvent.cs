using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gantry.Feedback.Retraining;

/// <summary>Builds the CloudEvents 1.0 structured-mode JSON that requests retraining of a model.</summary>
public static class RetrainingEvent
{
    /// <summary>The CloudEvents <c>type</c>.</summary>
    public const string Type = "dev.gantry.retraining.requested";

    /// <summary>The CloudEvents <c>source</c>.</summary>
    public const string Source = "/gantry/feedback";

    /// <summary>The media type of the HTTP body.</summary>
    public const string MediaType = "application/cloudevents+json";

    /// <summary>
    /// Returns the event id for the crossing that starts at watermark <paramref name="fromSeq"/> of <paramref name="model"/>.
    /// The same crossing always gets the same id, so replicas that race on it insert one outbox row.
    /// </summary>
    public static string StableId(string model, long fromSeq)
    {
        var key = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{model}\n{fromSeq}"));
        return "rt-" + Convert.ToHexStringLower(SHA256.HashData(key))[..32];
    }

    /// <summary>Writes the event as JSON.</summary>
    public static string ToJson(string id, DateTimeOffset time, RetrainingEventData data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", id);
            writer.WriteString("source", Source);
            writer.WriteString("type", Type);
            writer.WriteString("subject", data.Model);
            writer.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", "application/json");
            writer.WriteStartObject("data");
            writer.WriteString("model", data.Model);
            writer.WriteStartObject("dataset");
            writer.WriteString("directory", data.Directory);
            writer.WriteString("sft", Path.Combine(data.Directory, "sft.jsonl"));
            writer.WriteString("dpo", Path.Combine(data.Directory, "dpo.jsonl"));
            writer.WriteString("format", "jsonl");
            writer.WriteEndObject();
            writer.WriteStartObject("rows");
            writer.WriteNumber("sft", data.SftRows);
            writer.WriteNumber("dpo", data.DpoRows);
            writer.WriteEndObject();
            writer.WriteNumber("new_examples", data.NewExamples);
            writer.WriteStartObject("watermark");
            writer.WriteNumber("from_seq", data.FromSeq);
            writer.WriteNumber("to_seq", data.ToSeq);
            writer.WriteEndObject();
            writer.WriteStartObject("window");
            writer.WriteNumber("hours", data.WindowHours);
            writer.WriteNumber("up", data.WindowUp);
            writer.WriteNumber("down", data.WindowDown);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>The <c>data</c> of a retraining event.</summary>
/// <param name="Model">The model to retrain.</param>
/// <param name="Directory">Directory of the dataset snapshot with <c>sft.jsonl</c> and <c>dpo.jsonl</c>.</param>
/// <param name="SftRows">Rows in <c>sft.jsonl</c>.</param>
/// <param name="DpoRows">Rows in <c>dpo.jsonl</c>.</param>
/// <param name="NewExamples">New feedback entries with a rating or correction since the previous request.</param>
/// <param name="FromSeq">Watermark of the previous request.</param>
/// <param name="ToSeq">Largest feedback sequence number in the snapshot.</param>
/// <param name="WindowHours">Length of the ratio window, in hours.</param>
/// <param name="WindowUp">Ratings up in the window.</param>
/// <param name="WindowDown">Ratings down in the window.</param>
public sealed record RetrainingEventData(
    string Model, string Directory, long SftRows, long DpoRows, long NewExamples, long FromSeq, long ToSeq,
    double WindowHours, long WindowUp, long WindowDown);
