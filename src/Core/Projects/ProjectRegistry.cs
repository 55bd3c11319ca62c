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
}

public static class HttpContextProjectExtensions
{
    /// <summary>The project this request belongs to (cached on the request).</summary>
    public static SupacsProject GetSupacsProject(this HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(SupacsProject), out var cached) && cached is SupacsProject p) return p;
        var project = context.RequestServices.GetRequiredService<ProjectRegistry>().Resolve(context);
        context.Items[typeof(SupacsProject)] = project;
        return project;
    }
}
