namespace Gantry.Hosting;

/// <summary>Where the served model is in its lifecycle.</summary>
public enum ModelState
{
    /// <summary>The model file is being fetched or loaded, or the warm-up generation runs.</summary>
    Loading,

    /// <summary>Loaded and warmed up; inference requests are served.</summary>
    Ready,

    /// <summary>The load failed; <see cref="ModelHost.FailureReason"/> contains the reason. The process stays up.</summary>
    Failed,
}
