using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Auth.Endpoints;
using Supacs.Auth.Endpoints.Admin;
using Supacs.Auth.Schema;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;

namespace Supacs.Auth;

/// <summary>The Auth module's public surface: register with AddSupacsAuth, mount with MapSupacsAuth.</summary>
public static class SupacsAuthExtensions
{
    public const string DefaultPrefix = "/auth/v1";

    /// <summary>Registers the Auth module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsAuth(this IServiceCollection services)
    {
        services.AddSingleton(new SupacsModule("auth", DefaultPrefix));
        services.AddSingleton<ISchemaContributor, AuthSchemaContributor>();
        return services;
    }

    /// <summary>Maps the Auth endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsAuth(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var group = endpoints.MapGroup(prefix);
        Health.Map(group);
        Settings.Map(group);
        Signup.Map(group);
        Token.Map(group);
        GetUser.Map(group);
        UpdateUser.Map(group);
        Logout.Map(group);
        Verify.Map(group);
        Otp.Map(group);
        Recover.Map(group);
        Resend.Map(group);
        Reauthenticate.Map(group);
        Jwks.Map(group);
        Authorize.Map(group);
        Callback.Map(group);
        Identities.Map(group);
        Sso.Map(group);
        Endpoints.Mfa.Enroll.Map(group);
        Endpoints.Mfa.Challenge.Map(group);
        Endpoints.Mfa.VerifyFactor.Map(group);
        Endpoints.Mfa.Unenroll.Map(group);
        AdminUsers.Map(group);
        AdminAudit.Map(group);
        return group;
    }
}
