using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;

namespace Supacs.Functions.Runtime;

/// <summary>A project's edge-function runtime (kept with <c>project.Feature</c>): shared services and one pool per function.</summary>
internal sealed class FunctionsRuntime(SupacsProject project, ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<string, WorkerPool> _pools = new(StringComparer.Ordinal);

    public SupacsProject Project { get; } = project;
    public FunctionServices Services { get; } = new(project, loggers);

    public int IdleEngines => _pools.Values.Sum(p => p.IdleCount);

    public WorkerPool Pool(string name) => _pools.GetOrAdd(name, n => new WorkerPool(n, Services));

    public void Dispose()
    {
        foreach (var p in _pools.Values) p.Dispose();
        Services.Dispose();
    }
}
