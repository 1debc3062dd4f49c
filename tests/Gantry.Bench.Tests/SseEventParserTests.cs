using System.Text;

namespace Gantry.Bench.Tests;

public sealed class SseEventParserTests
{
    [Fact]
    public void Feed_WholeStream_ReturnsEveryEvent()
    {
        var stream = "data: {\"a\":1}\n\ndata: [DONE]\n\n"u8.ToArray();
        var events = new List<string>();

        new SseEventParser().Feed(stream, events);

        Assert.Equal(["{\"a\":1}", "[DONE]"], events);
    }

    [Fact]
    public void Feed_SplitAtEveryByte_ReturnsSameEvents()
    {
        var stream = Encoding.UTF8.GetBytes("data: {\"t\":\"h\u00e9\u4e16\ud83d\ude00\"}\r\n\r\n: keep-alive\n\ndata: x\n\n");
        for (var split = 0; split <= stream.Length; split++)
        {
            var parser = new SseEventParser();
            var events = new List<string>();

            parser.Feed(stream.AsSpan(0, split), events);
            parser.Feed(stream.AsSpan(split), events);

            Assert.Equal(["{\"t\":\"h\u00e9\u4e16\ud83d\ude00\"}", "x"], events);
        }
    }

    [Fact]
    public void Feed_OneByteAtATime_ReturnsSameEvents()
    {
        var stream = Encoding.UTF8.GetBytes("data: \u00fcber\n\ndata: [DONE]\n\n");
        var parser = new SseEventParser();
        var events = new List<string>();

        foreach (var b in stream)
        {
            parser.Feed([b], events);
        }

        Assert.Equal(["\u00fcber", "[DONE]"], events);
    }

    [Fact]
    public void Feed_MultiLineData_JoinsWithNewline()
    {
        var events = new List<string>();

        new SseEventParser().Feed("data: one\ndata:two\nid: 5\nevent: message\n\n"u8, events);

        Assert.Equal(["one\ntwo"], events);
    }

    [Fact]
    public void Feed_CommentsAndEmptyEvents_AreSkipped()
    {
        var events = new List<string>();

        new SseEventParser().Feed(": ping\n\n\n\nretry: 10\n\ndata: x\n\n"u8, events);

        Assert.Equal(["x"], events);
    }

    [Fact]
    public void Feed_EventWithoutBlankLine_IsHeldBack()
    {
        var parser = new SseEventParser();
        var events = new List<string>();

        parser.Feed("data: x\n"u8, events);
        var before = events.Count;
        parser.Feed("\n"u8, events);

        Assert.Equal(0, before);
        Assert.Equal(["x"], events);
    }
}
