using System.Diagnostics;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server that would be reachable from other machines without keys does not start.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task NonLoopbackHost_WithoutKeys_ExitsWithOneLine(string host)
    {
        var model = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);

        var (exitCode, stdout, stderr) = await RunAsync("--model", model, "--host", host, "--port", "0");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--allow-anonymous", line, StringComparison.Ordinal);
        Assert.Contains("--api-keys", line, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
    }

    [Fact]
    public async Task InvalidKeyFile_ExitsWithError()
    {
        var directory = Directory.CreateTempSubdirectory("gantry-keys-");
        try
        {
            var path = Path.Combine(directory.FullName, "keys.json");
            await File.WriteAllTextAsync(path, "{\"keys\": [{\"name\": \"web\"}]}");
            var model = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);

            var (exitCode, _, stderr) = await RunAsync("--model", model, "--api-keys", path, "--port", "0");

            Assert.Equal(2, exitCode);
            Assert.Contains("keys[0].sha256", stderr, StringComparison.Ordinal);
            Assert.Contains("keys[0].scopes", stderr, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.ServerAssembly);
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
