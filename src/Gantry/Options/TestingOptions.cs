namespace Gantry.Options;

/// <summary>
/// Hooks for the integration tests, bound from <c>Gantry:Testing</c>. They are not meant for production and
/// have no command-line options.
/// </summary>
public sealed class TestingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Gantry:Testing";

    /// <summary>
    /// When set, the model load waits until this file exists, so a test decides when loading ends and can
    /// observe the probes during a load without sleeping. Default: unset, the load starts at once.
    /// </summary>
    public string? LoadGateFile { get; set; }
}
