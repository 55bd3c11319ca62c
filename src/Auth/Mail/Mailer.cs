using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Mail;

/// <summary>What a template may use: GoTrue's <c>{{ .ConfirmationURL }}</c>, <c>{{ .Token }}</c>, <c>{{ .TokenHash }}</c>, …</summary>
internal sealed record MailContext(string ConfirmationUrl, string Token, string TokenHash, string SiteUrl, string Email, string RedirectTo, string NewEmail = "");

/// <summary>Sends GoTrue's emails over SMTP with MailKit, with config.toml's subjects and templates.</summary>
internal sealed partial class Mailer(AuthOptions options, Microsoft.Extensions.Logging.ILogger logger)
{
    private static readonly Dictionary<string, (string Subject, string Body)> Defaults = new(StringComparer.Ordinal)
    {
        ["confirmation"] = ("Confirm Your Signup",
            "<h2>Confirm your signup</h2>\n\n<p>Follow this link to confirm your user:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Confirm your mail</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        ["invite"] = ("You have been invited",
            "<h2>You have been invited</h2>\n\n<p>You have been invited to create a user on {{ .SiteURL }}. Follow this link to accept the invite:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Accept the invite</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        ["recovery"] = ("Reset Your Password",
            "<h2>Reset Password</h2>\n\n<p>Follow this link to reset the password for your user:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Reset Password</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        ["magic_link"] = ("Your Magic Link",
            "<h2>Magic Link</h2>\n\n<p>Follow this link to login:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Log In</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        ["email_change"] = ("Confirm Email Change",
            "<h2>Confirm Change of Email</h2>\n\n<p>Follow this link to confirm the update of your email from {{ .Email }} to {{ .NewEmail }}:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Change Email</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        ["reauthentication"] = ("Confirm reauthentication", "<h2>Confirm reauthentication</h2>\n\n<p>Enter the code: {{ .Token }}</p>"),
    };

    public bool Enabled => options.SmtpHost.Length > 0;

    public (string Subject, string Body) Render(string template, MailContext ctx)
    {
        var (defaultSubject, defaultBody) = Defaults[template];
        var subject = options.MailSubjects.GetValueOrDefault(template, defaultSubject);
        var body = options.MailTemplates.GetValueOrDefault(template, defaultBody);
        return (Substitute(subject, ctx), Substitute(body, ctx));
    }

    private static string Substitute(string text, MailContext ctx) => TemplateVariable().Replace(text, m => m.Groups[1].Value switch
    {
        "ConfirmationURL" => ctx.ConfirmationUrl,
        "Token" => ctx.Token,
        "TokenHash" => ctx.TokenHash,
        "SiteURL" => ctx.SiteUrl,
        "Email" => ctx.Email,
        "NewEmail" => ctx.NewEmail,
        "RedirectTo" => ctx.RedirectTo,
        _ => "",
    });

    /// <summary>Sends one templated email; a failure is GoTrue's 500 "Error sending … email".</summary>
    public async Task SendAsync(string template, string to, MailContext ctx, CancellationToken ct)
    {
        var (subject, body) = Render(template, ctx);
        if (!Enabled)
        {
            // No SMTP configured (the CLI would use Inbucket): log the link and code so a developer can follow them.
            LogUnsent(logger, to, subject, ctx.ConfirmationUrl, ctx.Token);
            return;
        }
        using var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.SmtpSenderName, options.SmtpAdminEmail));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("html") { Text = body };
        try
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(options.SmtpHost, options.SmtpPort, options.SmtpPort == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.Auto, ct).ConfigureAwait(false);
            if (options.SmtpUser.Length > 0) await client.AuthenticateAsync(options.SmtpUser, options.SmtpPass, ct).ConfigureAwait(false);
            await client.SendAsync(message, ct).ConfigureAwait(false);
            await client.DisconnectAsync(true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AuthException(500, "unexpected_failure", $"Error sending {Describe(template)} email") { };
        }
    }

    private static string Describe(string template) => template switch
    {
        "confirmation" => "confirmation",
        "invite" => "invite",
        "recovery" => "recovery",
        "magic_link" => "magic link",
        "email_change" => "email change",
        _ => template,
    };

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 4010, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "No SMTP configured; email to {To} not sent: \"{Subject}\" link {Link} code {Code}")]
    private static partial void LogUnsent(Microsoft.Extensions.Logging.ILogger logger, string to, string subject, string link, string code);

    [GeneratedRegex(@"\{\{\s*\.(\w+)\s*\}\}")]
    private static partial Regex TemplateVariable();
}
