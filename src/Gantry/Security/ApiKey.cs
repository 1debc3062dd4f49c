namespace Gantry.Security;

/// <summary>One configured API key: its name, tenant, scopes and the SHA-256 of the secret.</summary>
/// <param name="Name">A label for logs, rate-limit partitions and stored records; never the secret.</param>
/// <param name="Tenant">The tenant whose records the key may read, or <see cref="Caller.AllTenants"/>.</param>
/// <param name="Scopes">The scopes the key holds (<see cref="ApiScopes"/>).</param>
/// <param name="Sha256">The SHA-256 of the key's UTF-8 bytes, 32 bytes.</param>
public sealed record ApiKey(string Name, string Tenant, IReadOnlySet<string> Scopes, byte[] Sha256)
{
    /// <summary>The caller this key authenticates.</summary>
    public Caller ToCaller() => new(Name, Tenant, Scopes);
}
