using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Supacs.Core.Projects;

/// <summary>
/// Resolves the project a request belongs to. Today one host serves one project; the seam exists so
/// that several projects (chosen by host name or path) can be served later without touching modules.
/// </summary>
public sealed class ProjectRegistry
{
    private readonly List<SupacsProject> _projects = [];

    public IReadOnlyList<SupacsProject> Projects => _projects;

    public void Add(SupacsProject project) => _projects.Add(project);

    public SupacsProject Resolve(HttpContext context) =>
        _projects.Count > 0 ? _projects[0] : throw new InvalidOperationException("No Supacs project is registered.");

    /// <summary>
    /// The request's project, resolved once and kept as a request feature. A caller holding the registry (e.g. the gateway's
    /// first middleware) binds it without the request's DI scope, which a websocket would otherwise keep for its whole life.
    /// </summary>
    public SupacsProject For(HttpContext context)
    {
        if (context.Features.Get<SupacsProject>() is { } bound) return bound;
        var project = Resolve(context);
        context.Features.Set(project);
        return project;
    }
}

public static class HttpContextProjectExtensions
{
    /// <summary>The project this request belongs to (cached on the request).</summary>
    public static SupacsProject GetSupacsProject(this HttpContext context) =>
        context.Features.Get<SupacsProject>() ?? context.RequestServices.GetRequiredService<ProjectRegistry>().For(context);
}
