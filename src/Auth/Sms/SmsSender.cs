using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Sms;

/// <summary>
/// Sends OTP messages through the configured SMS provider's HTTP API, as GoTrue does: Twilio Messages
/// (<c>POST /2010-04-01/Accounts/{sid}/Messages.json</c>, basic auth, form <c>To/Channel/From/Body</c>), Vonage
/// (<c>POST /sms/json</c>) and MessageBird (<c>POST /messages</c>, <c>AccessKey</c>). Returns the provider's message id.
/// </summary>
internal static class SmsSender
{
    /// <summary>A random numeric OTP of the given length (CSPRNG).</summary>
    public static string NewOtp(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        return new string(chars);
    }

    public static string Render(string template, string otp) =>
        template.Replace("{{ .Code }}", otp, StringComparison.Ordinal).Replace("{{.Code}}", otp, StringComparison.Ordinal);

    /// <summary>Sends <paramref name="message"/> to <paramref name="phone"/> (digits, no +); throws sms_send_failed on any failure.</summary>
    public static async Task<string> SendAsync(HttpClient http, AuthOptions o, string phone, string message, string channel, CancellationToken ct)
    {
        try
        {
            return o.SmsProvider switch
            {
                "twilio" => await TwilioAsync(http, o, phone, message, channel, ct).ConfigureAwait(false),
                "vonage" when channel == "sms" => await VonageAsync(http, o, phone, message, ct).ConfigureAwait(false),
                "messagebird" when channel == "sms" => await MessagebirdAsync(http, o, phone, message, ct).ConfigureAwait(false),
                "vonage" or "messagebird" => throw new SmsException($"channel type \"{channel}\" is not supported for {o.SmsProvider}"),
                "" => throw new SmsException("no SMS provider is configured"),
                _ => throw new SmsException($"SMS provider {o.SmsProvider} is not supported"),
            };
        }
        catch (SmsException e)
        {
            throw new AuthException(500, "sms_send_failed", "Error sending SMS OTP: " + e.Message);
        }
        catch (HttpRequestException e)
        {
            throw new AuthException(500, "sms_send_failed", "Error sending SMS OTP: " + e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AuthException(500, "sms_send_failed", "Error sending SMS OTP: the SMS provider timed out");
        }
    }

    private static string Base(AuthOptions o, string publicBase) => (o.SmsApiBase.Length > 0 ? o.SmsApiBase : publicBase).TrimEnd('/');

    private static async Task<string> TwilioAsync(HttpClient http, AuthOptions o, string phone, string message, string channel, CancellationToken ct)
    {
        if (channel is not ("sms" or "whatsapp")) throw new SmsException($"channel type \"{channel}\" is not supported for Twilio");
        var url = $"{Base(o, "https://api.twilio.com")}/2010-04-01/Accounts/{Uri.EscapeDataString(o.TwilioAccountSid)}/Messages.json";
        var to = "+" + phone;
        var from = o.TwilioMessageServiceSid;
        if (channel == "whatsapp")
        {
            to = "whatsapp:" + to;
            if (from.TrimStart('+').Replace(" ", "", StringComparison.Ordinal) is { Length: >= 2 and <= 15 } digits && digits.All(char.IsAsciiDigit) && digits[0] != '0')
                from = "whatsapp:" + from;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["To"] = to, ["Channel"] = channel, ["From"] = from, ["Body"] = message }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.TwilioAccountSid}:{o.TwilioAuthToken}")));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        using var doc = await ReadJsonAsync(response, ct).ConfigureAwait(false);
        var root = doc.RootElement;
        if (response.StatusCode is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Created))
            throw new SmsException($"{AuthRequest.Str(root, "message") ?? "HTTP " + (int)response.StatusCode} More information: {AuthRequest.Str(root, "more_info")}");
        var sid = AuthRequest.Str(root, "sid") ?? "";
        if (AuthRequest.Str(root, "status") is "failed" or "undelivered")
            throw new SmsException($"twilio error: {AuthRequest.Str(root, "error_message")} {Raw(root, "error_code")} for message {sid}");
        return sid;
    }

    private static async Task<string> VonageAsync(HttpClient http, AuthOptions o, string phone, string message, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["from"] = o.VonageFrom, ["to"] = phone, ["text"] = message, ["api_key"] = o.VonageApiKey, ["api_secret"] = o.VonageApiSecret,
        };
        if (!message.All(char.IsAscii)) form["type"] = "unicode";
        using var response = await http.PostAsync(Base(o, "https://rest.nexmo.com") + "/sms/json", new FormUrlEncodedContent(form), ct).ConfigureAwait(false);
        using var doc = await ReadJsonAsync(response, ct).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw new SmsException("vonage error: Internal Error");
        var first = messages[0];
        var id = AuthRequest.Str(first, "message-id") ?? "";
        if (Raw(first, "status") != "0")
            throw new SmsException($"vonage error: {AuthRequest.Str(first, "error-text")} (status: {Raw(first, "status")}) for message {id}");
        return id;
    }

    private static async Task<string> MessagebirdAsync(HttpClient http, AuthOptions o, string phone, string message, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Base(o, "https://rest.messagebird.com") + "/messages")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["originator"] = o.MessagebirdOriginator, ["body"] = message, ["recipients"] = phone, ["type"] = "sms", ["datacoding"] = "unicode",
            }),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "AccessKey " + o.MessagebirdAccessKey);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        using var doc = await ReadJsonAsync(response, ct).ConfigureAwait(false);
        var root = doc.RootElement;
        if (!response.IsSuccessStatusCode)
        {
            var description = root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                ? AuthRequest.Str(errors[0], "description") : null;
            throw new SmsException(description ?? $"messagebird error: HTTP {(int)response.StatusCode}");
        }
        if (!root.TryGetProperty("recipients", out var recipients) || !recipients.TryGetProperty("totalSentCount", out var sent) || sent.GetInt32() == 0)
            throw new SmsException("messagebird error: total sent count is 0");
        return AuthRequest.Str(root, "id") ?? "";
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        try
        {
            return JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        }
        catch (JsonException)
        {
            throw new SmsException($"HTTP {(int)response.StatusCode}: {text[..Math.Min(text.Length, 200)]}");
        }
    }

    private static string Raw(JsonElement e, string name) => e.TryGetProperty(name, out var v)
        ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText()
        : "";

    private sealed class SmsException(string message) : Exception(message);
}
