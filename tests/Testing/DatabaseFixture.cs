using Xunit;

namespace Supacs.Testing;

/// <summary>
/// xunit class fixture: a fresh bootstrapped database per test class. Derive and override
/// <see cref="InitializeDatabaseAsync"/> to add tables, or <see cref="Template"/> to clone a module template.
/// </summary>
public class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Fixture not initialised.");
    public TestPostgres Server { get; private set; } = null!;

    protected virtual string Template => TestPostgres.BaseTemplate;

    /// <summary>Called before the template is cloned, e.g. to create a module template once per process.</summary>
    protected virtual Task PrepareTemplateAsync(TestPostgres server) => Task.CompletedTask;

    protected virtual Task InitializeDatabaseAsync(TestDatabase database) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Server = await TestPostgres.SharedAsync().ConfigureAwait(false);
        await PrepareTemplateAsync(Server).ConfigureAwait(false);
        _database = await Server.CreateDatabaseAsync(Template).ConfigureAwait(false);
        await InitializeDatabaseAsync(_database).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync().ConfigureAwait(false);
    }
}
