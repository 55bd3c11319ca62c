using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>POST /sso: SAML is not implemented, so it answers as GoTrue does with SAML disabled.</summary>
internal static class Sso
{
    public static void Map(IEndpointRouteBuilder group) =>
        group.MapAuth("POST", "/sso", _ => throw AuthException.NotFound("saml_provider_disabled", "SAML 2.0 is disabled"));
}
