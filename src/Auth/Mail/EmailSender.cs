using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Supacs.Auth.Hooks;
using Supacs.Auth.Http;
using Supacs.Auth.Users;

namespace Supacs.Auth.Mail;

/// <summary>
/// Delivers an auth email: to the send-email hook when one is enabled (<c>{user, email_data:{token, token_hash,
/// redirect_to, email_action_type, site_url, token_new, token_hash_new}}</c>), else over SMTP with the templates.
/// </summary>
internal static class EmailSender
{
    public static async Task SendAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord user, string template,
        string to, MailContext ctx, string actionType, string tokenNew = "", string tokenHashNew = "")
    {
        if (req.Options.SendEmailHook is { Enabled: true } hook)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer)) UserJson.Write(w, user);
            var payload = new JsonObject
            {
                ["user"] = JsonNode.Parse(buffer.ToArray()),
                ["email_data"] = new JsonObject
                {
                    ["token"] = ctx.Token,
                    ["token_hash"] = ctx.TokenHash,
                    ["redirect_to"] = ctx.RedirectTo,
                    ["email_action_type"] = actionType,
                    ["site_url"] = ctx.SiteUrl,
                    ["token_new"] = tokenNew,
                    ["token_hash_new"] = tokenHashNew,
                },
            };
            await HookRunner.InvokeAsync(req, conn, tx, hook, payload.ToJsonString()).ConfigureAwait(false);
            return;
        }
        Limits.RateLimits.CheckEmailSent(req);
        await req.Runtime.Mailer.SendAsync(template, to, ctx, req.Aborted).ConfigureAwait(false);
    }
}
