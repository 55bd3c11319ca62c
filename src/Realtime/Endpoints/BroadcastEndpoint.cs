using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Core.Requests;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Endpoints;

/// <summary>
/// <c>POST /realtime/v1/api/broadcast</c> (batch <c>{messages:[{topic, event, payload, private}]}</c>) and
/// <c>POST /realtime/v1/api/broadcast/{topic}/events/{event}</c> (one message, JSON or octet-stream body). Both answer 202;
/// private messages are delivered only when the caller passes the RLS write check on realtime.messages.
/// </summary>
internal static partial class BroadcastEndpoint
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapPost("/api/broadcast", BatchAsync);
        group.MapPost("/api/broadcast/{topic}/events/{event}", SingleAsync);
    }

    private static async Task BatchAsync(HttpContext context)
    {
        var (hub, identity) = await CallerAsync(context).ConfigureAwait(false);
        if (identity is null)
        {
            await UnauthorizedAsync(context).ConfigureAwait(false);
            return;
        }
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Invalid JSON body").ConfigureAwait(false);
            return;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "messages must be a list").ConfigureAwait(false);
                return;
            }
            var valid = new List<(string Topic, string Event, byte[] Payload, bool Private, string? Id)>();
            foreach (var m in messages.EnumerateArray())
            {
                var topic = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("topic", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var ev = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                // Upstream requires topic, event and payload (a map) on every message.
                if (string.IsNullOrEmpty(topic) || string.IsNullOrEmpty(ev) || !m.TryGetProperty("payload", out var p) || p.ValueKind != JsonValueKind.Object)
                {
                    await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Each message needs a topic, an event and a payload object").ConfigureAwait(false);
                    return;
                }
                var payload = PhoenixCodec.RawJson(p).ToArray();
                if (payload.Length > hub.Options.MaxPayloadSizeInKb * 1024L)
                {
                    await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Payload size exceeds tenant limit").ConfigureAwait(false);
                    return;
                }
                var id = m.TryGetProperty("id", out var idv) && idv.ValueKind == JsonValueKind.String ? idv.GetString() : null;
                valid.Add((topic, ev, payload, ChannelConfig.Bool(m, "private") ?? false, id));
            }
            // Upstream's two answers: already over the limit, or this batch would take it over.
            if (hub.Events.IsFull)
            {
                await ErrorAsync(context, StatusCodes.Status429TooManyRequests, "You have exceeded your rate limit").ConfigureAwait(false);
                return;
            }
            if (!hub.Events.TryAdd(Math.Max(1, valid.Count)))
            {
                await ErrorAsync(context, StatusCodes.Status429TooManyRequests, "Too many messages to broadcast, please reduce the batch size").ConfigureAwait(false);
                return;
            }
            foreach (var (topic, ev, payload, isPrivate, id) in valid)
                await PublishAsync(hub, identity, topic, ev, BroadcastEncoding.Json, payload, isPrivate, id).ConfigureAwait(false);
        }
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static async Task SingleAsync(HttpContext context, string topic, string @event)
    {
        var (hub, identity) = await CallerAsync(context).ConfigureAwait(false);
        if (identity is null)
        {
            await UnauthorizedAsync(context).ConfigureAwait(false);
            return;
        }
        // As upstream: JSON or octet-stream; no Content-Type is JSON (older callers); anything else is 415.
        var contentType = context.Request.ContentType;
        var isJson = string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/json", StringComparison.Ordinal);
        if (!isJson && !contentType!.StartsWith("application/octet-stream", StringComparison.Ordinal))
        {
            await WriteJsonAsync(context, StatusCodes.Status415UnsupportedMediaType,
                new Dictionary<string, string> { ["error"] = "Unsupported Media Type. Use application/json or application/octet-stream" }).ConfigureAwait(false);
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        if (body.Length > hub.Options.MaxPayloadSizeInKb * 1024L)
        {
            await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Payload size exceeds tenant limit").ConfigureAwait(false);
            return;
        }
        var payload = body.ToArray();
        if (isJson)
        {
            try
            {
                using var _ = JsonDocument.Parse(payload);
            }
            catch (JsonException)
            {
                await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Invalid JSON body").ConfigureAwait(false);
                return;
            }
        }
        if (!hub.Events.TryAdd())
        {
            await ErrorAsync(context, StatusCodes.Status429TooManyRequests, "You have exceeded your rate limit").ConfigureAwait(false);
            return;
        }
        var isPrivate = context.Request.Query["private"] == "true";
        var persist = BroadcastPersistence.FromQuery(context.Request.Query["persist"], context.Request.Query["persist[ttl]"]);
        if (persist is not null && (!isPrivate || !persist.Valid))
        {
            await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity,
                isPrivate ? "persist must be true or persist[ttl] a number of seconds" : "persist can only be used on private channels").ConfigureAwait(false);
            return;
        }
        var encoding = isJson ? BroadcastEncoding.Json : BroadcastEncoding.Binary;
        var api = hub.Project.Database.Api;
        // Unlike the batch endpoint (which drops them silently), a private message the caller may not write is a 403, as upstream.
        if (isPrivate && !await ChannelAuthorization.WriteAsync(api, identity, topic, "broadcast").ConfigureAwait(false))
        {
            await WriteJsonAsync(context, StatusCodes.Status403Forbidden, new Dictionary<string, string> { ["message"] = "Unauthorized" }).ConfigureAwait(false);
            return;
        }
        var message = new BroadcastMessage("realtime:" + topic, @event, encoding, payload);
        // Persisted when asked for and the caller may also write the persistence extension (otherwise only sent, as upstream).
        // Unlike upstream (a background task) the 202 comes after the row is stored.
        if (persist is null || !await ChannelAuthorization.WriteAsync(api, identity, topic, "persistence").ConfigureAwait(false))
        {
            hub.Publish(topic, isPrivate, message);
        }
        else
        {
            var id = Guid.CreateVersion7();
            hub.Publish(topic, isPrivate: true, message.WithMeta(BroadcastPersistence.Meta(id)));
            try
            {
                await BroadcastPersistence.StoreAsync(hub.Project.Database.Admin, id, topic, message, persist.Ttl).ConfigureAwait(false);
            }
            catch (Npgsql.NpgsqlException e)
            {
                Log.PersistFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BroadcastEndpoint)), e);
            }
        }
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static async Task PublishAsync(RealtimeHub hub, RequestIdentity identity, string topic, string ev, BroadcastEncoding encoding, byte[] payload, bool isPrivate, string? id)
    {
        // Private messages are silently dropped unless the caller may write to the topic.
        if (isPrivate && !await ChannelAuthorization.WriteAsync(hub.Project.Database.Api, identity, topic, "broadcast").ConfigureAwait(false)) return;
        var meta = id is null ? null : JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = id });
        hub.Publish(topic, isPrivate, new BroadcastMessage("realtime:" + topic, ev, encoding, payload, meta));
    }

    private static async Task<(RealtimeHub Hub, RequestIdentity? Identity)> CallerAsync(HttpContext context)
    {
        var project = context.GetSupacsProject();
        var hub = RealtimeHub.For(project, context.RequestServices);
        var token = RequestIdentityResolver.BearerToken(context.Request) ?? RequestIdentityResolver.ApiKey(context.Request);
        var auth = await RealtimeToken.ValidateAsync(project.Keys, token).ConfigureAwait(false);
        return (hub, auth.Identity);
    }

    private static Task UnauthorizedAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status401Unauthorized, new Dictionary<string, string> { ["message"] = "Unauthorized" });

    private static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteJsonAsync(context, status, new Dictionary<string, string> { ["message"] = message });

    private static async Task WriteJsonAsync(HttpContext context, int status, Dictionary<string, string> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body)).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Realtime: storing a persisted REST broadcast failed")]
        public static partial void PersistFailed(ILogger logger, Exception error);
    }
}
