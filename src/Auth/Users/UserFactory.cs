using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Users;

/// <summary>Builds and inserts new users (signup, admin create, invite, OTP sign-up) the way GoTrue fills their rows.</summary>
internal static partial class UserFactory
{
    public static UserRecord New(AuthOptions options, string? email, string? phone, string? passwordHash, JsonElement? data, string provider)
    {
        var now = DateTime.UtcNow;
        var user = new UserRecord
        {
            Id = Guid.NewGuid(),
            Aud = options.JwtAud,
            Role = options.JwtDefaultGroup,
            Email = email,
            Phone = phone,
            EncryptedPassword = passwordHash,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (data is { ValueKind: JsonValueKind.Object } d) user.UserMetadata = JsonNode.Parse(d.GetRawText())!.AsObject();
        if (provider == "anonymous") user.IsAnonymous = true;
        else user.AppMetadata = new JsonObject { ["provider"] = provider, ["providers"] = new JsonArray(provider) };
        return user;
    }

    /// <summary>Inserts the user and its email/phone identity; user_metadata gains the identity claims as in GoTrue.</summary>
    public static async Task InsertWithIdentityAsync(Http.AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, string? provider)
    {
        var ct = req.Aborted;
        JsonObject? identityData = null;
        if (provider is "email" or "phone")
        {
            identityData = new JsonObject { ["sub"] = user.Id.ToString() };
            if (provider == "email") identityData["email"] = user.Email;
            if (provider == "phone") identityData["phone"] = user.Phone;
            identityData["email_verified"] = provider == "email" && user.EmailConfirmedAt is not null;
            identityData["phone_verified"] = provider == "phone" && user.PhoneConfirmedAt is not null;
            foreach (var (k, v) in identityData) user.UserMetadata[k] = v?.DeepClone();
        }
        if (req.Options.BeforeUserCreatedHook is { Enabled: true } hook)
        {
            // The user as it is about to be stored; an {error:{http_code,message}} answer refuses the sign-up.
            using var buffer = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer)) UserJson.Write(w, user);
            var payload = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["uuid"] = Guid.NewGuid().ToString(),
                    ["time"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["name"] = "before-user-created",
                    ["ip_address"] = req.ClientIp,
                },
                ["user"] = JsonNode.Parse(buffer.ToArray()),
            };
            await Hooks.HookRunner.InvokeAsync(req, conn, tx, hook, payload.ToJsonString()).ConfigureAwait(false);
        }
        try
        {
            await UserStore.InsertAsync(conn, tx, user, ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (UserStore.IsUniqueViolation(e, "email"))
        {
            throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
        }
        catch (PostgresException e) when (UserStore.IsUniqueViolation(e, "phone"))
        {
            throw AuthException.Unprocessable("phone_exists", "A user with this phone number has already been registered");
        }
        catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.UniqueViolation)
        {
            // A trigger on auth.users (handle_new_user and friends) failed: say what it said.
            throw new AuthException(500, "unexpected_failure", "Database error saving new user: " + e.MessageText);
        }
        if (identityData is not null)
            user.Identities.Add(await UserStore.InsertIdentityAsync(conn, tx, user.Id, provider!, user.Id.ToString(), identityData, ct).ConfigureAwait(false));
    }

    /// <summary>Marks the email identity (and user_metadata) as verified after a confirmation.</summary>
    public static async Task MarkEmailVerifiedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord user, CancellationToken ct)
    {
        foreach (var identity in user.Identities.Where(i => i.Provider == "email"))
        {
            identity.IdentityData["email_verified"] = true;
            await UserStore.UpdateIdentityDataAsync(conn, tx, identity, ct).ConfigureAwait(false);
        }
        if (user.UserMetadata.ContainsKey("email_verified")) user.UserMetadata["email_verified"] = true;
    }

    /// <summary>GoTrue's email check: trimmed, lower-cased, a plausible address of at most 255 characters.</summary>
    public static string ValidateEmail(string email)
    {
        email = email.Trim();
        if (email.Length > 255 || !EmailPattern().IsMatch(email))
            throw AuthException.BadRequest("email_address_invalid", $"Email address \"{email}\" is invalid");
        return email.ToLowerInvariant();
    }

    /// <summary>Phones are stored as digits without the leading '+'.</summary>
    public static string ValidatePhone(string phone)
    {
        var digits = phone.Trim().TrimStart('+').Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!PhonePattern().IsMatch(digits)) throw AuthException.Validation("Invalid phone number format (E.164 required)");
        return digits;
    }

    [GeneratedRegex(@"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[1-9]\d{7,14}$")]
    private static partial Regex PhonePattern();
}
