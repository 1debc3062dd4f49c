namespace Gantry.Feedback.Datasets;

/// <summary>Output format of a dataset export.</summary>
public enum DatasetFormat
{
    /// <summary>JSON Lines of <c>{"messages": [...]}</c> for supervised fine-tuning (OpenAI and TRL SFTTrainer).</summary>
    Sft,

    /// <summary>JSON Lines of <c>{"prompt", "chosen", "rejected"}</c> for TRL DPOTrainer.</summary>
    Dpo,

    /// <summary>A directory of Parquet files: <c>sft-*.parquet</c> and <c>dpo-*.parquet</c> with the same columns.</summary>
    Parquet,
}
