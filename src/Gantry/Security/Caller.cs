namespace Gantry.Security;

/// <summary>
/// Who sent a request: the API key's name, tenant and scopes, or the anonymous caller of a server without keys.
/// </summary>
/// <param name="KeyName">The configured key name; null for an anonymous caller.</param>
/// <param name="Tenant">The tenant whose records the caller may read; null when the server has no keys.</param>
/// <param name="Scopes">The scopes granted to the caller.</param>
public sealed record Caller(string? KeyName, string? Tenant, IReadOnlySet<string> Scopes)
{
    /// <summary>The tenant value that gives a key access to the records of every tenant.</summary>
    public const string AllTenants = "*";

    /// <summary>The caller of a server without API keys: every scope, no tenant.</summary>
    public static readonly Caller Anonymous = new(null, null, new HashSet<string>(ApiScopes.All, StringComparer.Ordinal));

    /// <summary>The caller of a request that passed no access check: no scopes, and a tenant no record has.</summary>
    public static readonly Caller None = new(null, string.Empty, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>Whether the caller has <paramref name="scope"/>.</summary>
    public bool Has(string scope) => Scopes.Contains(scope);

    /// <summary>
    /// The tenant to filter records by, or null when the caller sees every tenant: an anonymous caller, or a key
    /// whose tenant is <see cref="AllTenants"/>.
    /// </summary>
    public string? TenantFilter => Tenant is null or AllTenants ? null : Tenant;

    /// <summary>Whether the caller may see a record that belongs to <paramref name="recordTenant"/>.</summary>
    public bool CanSee(string? recordTenant) => TenantFilter is null || string.Equals(TenantFilter, recordTenant, StringComparison.Ordinal);
}

/// <summary>Stores and reads the <see cref="Caller"/> of a request.</summary>
public static class CallerHttpContextExtensions
{
    private static readonly object Key = new();

    /// <summary>
    /// The caller that the access middleware authenticated, or <see cref="Caller.None"/> on a route that needs no
    /// key, so that code reading it by mistake there gets access to nothing rather than everything.
    /// </summary>
    public static Caller GetCaller(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is Caller caller ? caller : Caller.None;

    internal static void SetCaller(this HttpContext context, Caller caller) => context.Items[Key] = caller;
}
