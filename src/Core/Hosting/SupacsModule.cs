namespace Supacs.Core.Hosting;

/// <summary>
/// Registered by each module's AddSupacsX so the gateway can list modules on /health and tag metrics.
/// <see cref="IsReady"/> lets a module report its own readiness (e.g. REST before its schema cache loads).
/// </summary>
public sealed record SupacsModule(string Name, string Prefix, Func<IServiceProvider, bool>? IsReady = null);
