namespace Gantry.Feedback.Stores;

/// <summary>One schema change, applied once and recorded in the <c>schema_migrations</c> table.</summary>
/// <param name="Version">Increasing version number. Never reuse or reorder one that has shipped.</param>
/// <param name="Name">Short description stored beside the version.</param>
/// <param name="Sql">The statements, run in one transaction.</param>
public sealed record Migration(int Version, string Name, string Sql);
