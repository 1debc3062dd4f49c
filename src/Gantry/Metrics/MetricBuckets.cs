namespace Gantry.Metrics;

/// <summary>
/// Histogram buckets sized for LLM serving, where one request can take milliseconds (a rejected or one-token
/// request) or many minutes (a long generation behind a queue). docs/operations.md lists them.
/// </summary>
public static class MetricBuckets
{
    /// <summary>End-to-end request latency, seconds: 10 ms to 10 min.</summary>
    public static readonly double[] RequestSeconds =
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

    /// <summary>Time to first token, seconds: 5 ms to 2 min, denser below 1 s where interactive targets lie.</summary>
    public static readonly double[] FirstTokenSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 120];

    /// <summary>Gap between two output tokens, seconds: 1 ms to 2.5 s.</summary>
    public static readonly double[] InterTokenSeconds =
        [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];

    /// <summary>Time waiting for a sequence slot, seconds: 1 ms to 5 min.</summary>
    public static readonly double[] QueueSeconds =
        [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    /// <summary>Output tokens per second of one request: 1 to 5000.</summary>
    public static readonly double[] TokensPerSecond =
        [1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000];

    /// <summary>Tokens per request (prompt or completion): powers of 4 from 1 to 262,144.</summary>
    public static readonly double[] TokenCounts = Prometheus.Histogram.ExponentialBuckets(1, 4, 10);
}
