using Supacs.Core.Config;
using Supacs.Functions.Packages;

namespace Supacs.Functions;

/// <summary>
/// Limits and pool sizes for edge functions: the sandbox every invocation runs under. Read from
/// <c>[edge_runtime]</c> in config.toml (Supacs extensions to the CLI's table). To add a setting: add a property
/// with its default here and read it in <see cref="FromConfig"/>.
/// </summary>
public sealed class FunctionsOptions
{
    /// <summary>Budget for one uninterrupted run of JS (a handler call, a timer, a promise continuation). Jint has no CPU meter, so this is wall time while the engine runs; I/O waits do not count.</summary>
    public TimeSpan CpuTimePerEntry { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wall clock for a whole request, I/O included (hosted Free plan: 150 s).</summary>
    public TimeSpan WallClock { get; set; } = TimeSpan.FromSeconds(150);

    /// <summary>Bytes the engine may allocate during one run of JS (Jint measures allocations, not live heap).</summary>
    public long MemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Statements per run of JS; 0 means no statement limit.</summary>
    public int MaxStatements { get; set; }

    /// <summary>Maximum JS call depth; deeper recursion ends the worker with WORKER_LIMIT.</summary>
    public int MaxRecursion { get; set; } = 1000;

    /// <summary>Idle pre-warmed engines kept per function.</summary>
    public int PoolSize { get; set; } = 4;

    /// <summary>Engines running one function at the same time; more requests wait for one.</summary>
    public int MaxWorkersPerFunction { get; set; } = 16;

    /// <summary>Boot one engine per function when the project starts, so first requests are warm.</summary>
    public bool Prewarm { get; set; } = true;

    /// <summary>Largest request body handed to a function (413 above).</summary>
    public long MaxRequestBodyBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Registries packages are installed from (<c>npm_registry</c>, <c>jsr_registry</c>; NPM_CONFIG_REGISTRY).</summary>
    public NpmRegistries Registries { get; set; } = NpmRegistries.From(null, null);

    public static FunctionsOptions FromConfig(ProjectConfig config)
    {
        var s = config.Section("edge_runtime");
        var o = new FunctionsOptions();
        if (s.GetLong("cpu_time_ms") is { } cpu and > 0) o.CpuTimePerEntry = TimeSpan.FromMilliseconds(cpu);
        if (s.GetLong("wall_clock_ms") is { } wall and > 0) o.WallClock = TimeSpan.FromMilliseconds(wall);
        if (s.GetLong("memory_mb") is { } mb and > 0) o.MemoryBytes = mb * 1024 * 1024;
        if (s.GetLong("max_statements") is { } st and >= 0 and <= int.MaxValue - 1) o.MaxStatements = (int)st;
        if (s.GetLong("max_recursion") is { } rec and > 0 and < 100_000) o.MaxRecursion = (int)rec;
        if (s.GetLong("pool_size") is { } pool and >= 0 and < 1000) o.PoolSize = (int)pool;
        if (s.GetLong("max_workers") is { } workers and > 0 and < 1000) o.MaxWorkersPerFunction = (int)workers;
        if (s.GetBool("prewarm") is { } prewarm) o.Prewarm = prewarm;
        if (s.GetLong("max_request_body_mb") is { } body and > 0) o.MaxRequestBodyBytes = body * 1024 * 1024;
        o.Registries = NpmRegistries.From(s.GetString("npm_registry"), s.GetString("jsr_registry"));
        return o;
    }
}
