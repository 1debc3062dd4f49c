namespace Gantry.Security;

/// <summary>The rate-limit partition of a request: its API key's name, or its client IP without keys.</summary>
public static class CallerPartition
{
    /// <summary>Returns <c>key:NAME</c> for an authenticated caller and <c>ip:ADDRESS</c> otherwise.</summary>
    public static string Of(HttpContext context)
    {
        var caller = context.GetCaller();
        if (caller.KeyName is not null)
        {
            return "key:" + caller.KeyName;
        }

        var address = context.Connection.RemoteIpAddress;
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        return "ip:" + (address?.ToString() ?? "unknown");
    }
}
