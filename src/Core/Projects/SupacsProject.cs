using System.Collections.Concurrent;
using Supacs.Core.Config;
using Supacs.Core.Keys;
using Supacs.Core.Postgres;

namespace Supacs.Core.Projects;

public enum ProjectState { Starting, WaitingForDatabase, Migrating, Ready, Failed, Stopping }

/// <summary>
/// Everything that belongs to one project: options, config, keys, database and the modules' per-project
/// state (schema caches, engine pools…) in <see cref="Features"/>. Resolved per request; today a host has one.
/// Modules must keep per-project state here, never in statics.
/// </summary>
public sealed class SupacsProject(string name, SupacsOptions options, ProjectConfig config, JwtKeys keys, string dataDir)
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<Type, object> _features = new();

    public string Name { get; } = name;
    public SupacsOptions Options { get; } = options;
    public ProjectConfig Config { get; } = config;
    public JwtKeys Keys { get; } = keys;

    /// <summary>Absolute data directory (keys, embedded cluster state, storage objects).</summary>
    public string DataDir { get; } = Path.GetFullPath(dataDir);

    public string? ProjectDir => Options.ProjectDir is null ? null : Path.GetFullPath(Options.ProjectDir);

    /// <summary>The database, once connected and migrated.</summary>
    public ProjectDatabase Database => _database ?? throw new InvalidOperationException("The database is not ready yet.");
    private ProjectDatabase? _database;

    public ProjectState State { get; private set; } = ProjectState.Starting;
    public string? StateMessage { get; private set; }
    public bool IsReady => State == ProjectState.Ready;

    /// <summary>Completes when the project is ready; faults when start-up failed.</summary>
    public Task WhenReady => _ready.Task;

    public void SetState(ProjectState state, string? message = null)
    {
        State = state;
        StateMessage = message;
    }

    public void MarkReady(ProjectDatabase database)
    {
        _database = database;
        SetState(ProjectState.Ready);
        _ready.TrySetResult();
    }

    public void MarkFailed(Exception error)
    {
        SetState(ProjectState.Failed, error.Message);
        _ready.TrySetException(error);
    }

    /// <summary>Per-project state owned by a module, created on first use.</summary>
    public T Feature<T>(Func<SupacsProject, T> create) where T : class =>
        _features.TryGetValue(typeof(T), out var existing) ? (T)existing : (T)_features.GetOrAdd(typeof(T), (_, p) => create(p), this);

    /// <summary>
    /// Like <see cref="Feature{T}(Func{SupacsProject, T})"/>, with an argument for the factory so hot paths can pass a
    /// static lambda (no closure allocated per call).
    /// </summary>
    public T Feature<T, TArg>(TArg arg, Func<SupacsProject, TArg, T> create) where T : class =>
        _features.TryGetValue(typeof(T), out var existing) ? (T)existing
            : (T)_features.GetOrAdd(typeof(T), static (_, s) => s.Create(s.Project, s.Arg)!, (Project: this, Arg: arg, Create: create));

    public IEnumerable<object> Features => _features.Values;
}
