using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Auth.Config;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.OAuth;
using Supacs.Core.Projects;

namespace Supacs.Auth;

/// <summary>Where Auth reads GOTRUE_* variables from (the process environment unless a host replaces it).</summary>
public sealed record AuthEnvironment(Func<string, string?> Read)
{
    public static AuthEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);
}

/// <summary>Auth's per-project state: settings bound once, the mailer and the rate limiters.</summary>
internal sealed class AuthRuntime
{
    private AuthRuntime(SupacsProject project, AuthEnvironment env, ILoggerFactory? logs)
    {
        Options = AuthOptionsBinder.Bind(project, env.Read);
        Mailer = new Mailer(Options, (logs ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Supacs.Auth.Mail"));
    }

    public AuthOptions Options { get; }
    public Mailer Mailer { get; }
    public OidcClient Oidc { get; } = new();
    public RateLimiter Limiter { get; } = new(TimeProvider.System);

    public static AuthRuntime For(SupacsProject project, IServiceProvider services) =>
        project.Feature(p => new AuthRuntime(p, services.GetService<AuthEnvironment>() ?? AuthEnvironment.Process, services.GetService<ILoggerFactory>()));
}
