namespace Gantry.Feedback.Tests.Support;

/// <summary>Waits for a condition by polling it, with a deadline, instead of sleeping a fixed time.</summary>
public static class Poll
{
    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true before the deadline.");
            }

            await Task.Delay(20);
        }
    }
}
