namespace Baton.Stores.Postgres.Migrations;

/// <summary>One step of the schema: the script that takes a store from <c>Version - 1</c> to <c>Version</c>.</summary>
/// <param name="Version">The schema version the store has after this script; 1 for the first.</param>
/// <param name="Name">What the step does, for logs.</param>
/// <param name="Sql">The statements, run in one transaction.</param>
internal sealed record SchemaMigration(int Version, string Name, string Sql);
