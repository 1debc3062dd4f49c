using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gantry.Tests.Security;

/// <summary>Writes API key files for tests.</summary>
internal static class KeyFiles
{
    /// <summary>The lowercase hex SHA-256 of a key, as the key file stores it.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The JSON of a key file with one entry per (secret, name, tenant, scopes).</summary>
    public static string Json(params (string Secret, string Name, string Tenant, string[] Scopes)[] keys) =>
        JsonSerializer.Serialize(new
        {
            keys = keys.Select(k => new { name = k.Name, sha256 = Hash(k.Secret), tenant = k.Tenant, scopes = k.Scopes }),
        });
}
