namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>Locations of the built server and of the shared test model, found from the test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the first parent folder that contains Gantry.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The built <c>gantry.dll</c> of the same configuration as the tests.</summary>
    public static string ServerAssembly
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testOutput.Parent!.Name;
            return Path.Combine(Root, "src", "Gantry", "bin", configuration, "net10.0", "gantry.dll");
        }
    }

    /// <summary>The external llama-2 test model, which exists only where shared/ is laid beside the repository.</summary>
    public static string SharedModel { get; } = Path.GetFullPath(Path.Combine(Root, "..", "shared", "models",
        "llama-2-tiny-random.gguf"));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gantry.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Gantry.slnx above {AppContext.BaseDirectory}.");
    }
}
