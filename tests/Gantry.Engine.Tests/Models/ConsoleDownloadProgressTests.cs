using Gantry.Engine.Models;

namespace Gantry.Engine.Tests.Models;

public sealed class ConsoleDownloadProgressTests
{
    [Fact]
    public void Report_NotTerminal_WritesLineEveryTenPercent()
    {
        using var writer = new StringWriter();
        var renderer = new ConsoleDownloadProgress(writer, isTerminal: false, "model.gguf");

        for (var done = 0; done <= 1000; done += 7)
        {
            renderer.Report(new ModelDownloadProgress(done, 1000, 2 * 1024 * 1024, IsComplete: false));
        }

        renderer.Report(new ModelDownloadProgress(1000, 1000, 0, IsComplete: true));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);
        Assert.StartsWith("model.gguf: 0% (0.0/0.0 MiB, 2.0 MiB/s)", lines[0]);
        Assert.StartsWith("model.gguf: 50%", lines[5]);
        Assert.StartsWith("model.gguf: 100%", lines[10]);
        Assert.DoesNotContain('\r', writer.ToString());
    }

    [Fact]
    public void Report_UnknownTotal_WritesLineEvery100MiB()
    {
        using var writer = new StringWriter();
        var renderer = new ConsoleDownloadProgress(writer, isTerminal: false, "m");
        const long mebibyte = 1024 * 1024;

        for (long done = 0; done <= 250 * mebibyte; done += 10 * mebibyte)
        {
            renderer.Report(new ModelDownloadProgress(done, null, 0, IsComplete: false));
        }

        renderer.Report(new ModelDownloadProgress(255 * mebibyte, 255 * mebibyte, 0, IsComplete: true));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["m: 0.0 MiB, 0.0 MiB/s", "m: 100.0 MiB, 0.0 MiB/s", "m: 200.0 MiB, 0.0 MiB/s", "m: 100% (255.0/255.0 MiB)"], lines);
    }

    [Fact]
    public void Report_Terminal_RedrawsOneLine()
    {
        using var writer = new StringWriter();
        var clock = new ManualTimeProvider();
        var renderer = new ConsoleDownloadProgress(writer, isTerminal: true, "m", clock);

        renderer.Report(new ModelDownloadProgress(0, 4 * 1024 * 1024, 0, IsComplete: false));
        renderer.Report(new ModelDownloadProgress(1024 * 1024, 4 * 1024 * 1024, 0, IsComplete: false));
        clock.Advance(TimeSpan.FromMilliseconds(150));
        renderer.Report(new ModelDownloadProgress(2 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024, IsComplete: false));
        renderer.Report(new ModelDownloadProgress(4 * 1024 * 1024, 4 * 1024 * 1024, 0, IsComplete: true));
        renderer.Report(new ModelDownloadProgress(4 * 1024 * 1024, 4 * 1024 * 1024, 0, IsComplete: true));

        var output = writer.ToString();
        var frames = output.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, frames.Length);
        Assert.StartsWith("m   0% [------------------------------] 0.0/4.0 MiB", frames[0]);
        Assert.StartsWith("m  50% [###############---------------] 2.0/4.0 MiB, 1.0 MiB/s", frames[1]);
        Assert.StartsWith("m 100% [##############################] 4.0/4.0 MiB", frames[2]);
        Assert.EndsWith(Environment.NewLine, output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private sealed class ManualTimeProvider : TimeProvider
    {
        private long _timestamp = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _timestamp;

        public void Advance(TimeSpan delta) => _timestamp += delta.Ticks;
    }
}
