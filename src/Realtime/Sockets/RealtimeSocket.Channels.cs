using System.Text.Json;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Sockets;

/// <summary>The channel events: join, broadcast, presence and access_token.</summary>
internal sealed partial class RealtimeSocket
{
    private async Task JoinAsync(PhoenixMessage m)
    {
        var joinRef = m.JoinRef ?? m.Ref ?? "";
        var reply = new PhoenixMessage(joinRef, m.Ref, m.Topic, m.Event, default);
        if (!JoinedChannel.IsRealtimeTopic(m.Topic))
        {
            ReplyError(reply, "unmatched topic");
            return;
        }
        if (m.Topic.Length == "realtime:".Length)
        {
            JoinError(reply, "TopicNameRequired: You must provide a topic name");
            return;
        }
        var payload = m.Payload;
        var config = ChannelConfig.Parse(payload, m.Topic["realtime:".Length..]);
        // Upstream's order: private_only before the user, join-rate and channel limits.
        if (hub.Options.PrivateOnly && !config.Private)
        {
            JoinError(reply, "PrivateOnly: This project only allows private channels");
            return;
        }
        if (!hub.Joins.TryAdd())
        {
            JoinError(reply, "ClientJoinRateLimitReached: Too many joins per second", disconnect: true);
            return;
        }
        // A second join of the same topic replaces the first, which is closed.
        if (Find(m.Topic) is { } existing) CloseFromServer(existing);
        if (ChannelCount >= hub.Options.MaxChannelsPerClient)
        {
            JoinError(reply, "ChannelRateLimitReached: Too many channels");
            return;
        }

        var accessToken = payload.ValueKind == JsonValueKind.Object
            ? (payload.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString()
               : payload.TryGetProperty("user_token", out var ut) && ut.ValueKind == JsonValueKind.String ? ut.GetString() : null)
            : null;
        var token = accessToken is { Length: > 0 } && !accessToken.StartsWith("sb_", StringComparison.Ordinal) ? accessToken : Token;
        var auth = await hub.Tokens.ValidateAsync(token).ConfigureAwait(false);
        if (!auth.IsValid)
        {
            JoinError(reply, auth.JoinReason);
            return;
        }

        var channel = new JoinedChannel(this, m.Topic, joinRef, config, auth.Identity!, auth.ExpiresAt);
        if (config.Private)
        {
            channel.Policies = await ChannelAuthorization.ReadAsync(hub.Project.Database.Api, channel.Identity, channel.SubTopic).ConfigureAwait(false);
            if (!channel.Policies.CanRead)
            {
                JoinError(reply, $"Unauthorized: You do not have permissions to read from this Channel topic: {channel.SubTopic}");
                return;
            }
        }
        List<BroadcastMessage>? replayed = null;
        if (config.Replay is { } replay)
        {
            if (!config.Private)
            {
                JoinError(reply, "UnableToReplayMessages: Replay is not allowed for public channels");
                return;
            }
            if (!replay.Valid)
            {
                JoinError(reply, "UnableToReplayMessages: Replay params are not valid");
                return;
            }
            try
            {
                replayed = await BroadcastReplay.ReadAsync(hub.Project.Database.Admin, channel.Topic, replay).ConfigureAwait(false);
            }
            catch (Npgsql.NpgsqlException e)
            {
                Log.ReplayFailed(logger, e);
                JoinError(reply, "UnableToReplayMessages: Realtime was unable to replay messages");
                return;
            }
        }
        var subscription = await hub.Changes.PrepareAsync(channel).ConfigureAwait(false);
        if (subscription.Error is not null && subscription.FailJoin)
        {
            JoinError(reply, subscription.Error);
            return;
        }
        if (replayed is { Count: > 0 })
        {
            channel.ReplayedIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var message in replayed)
                if (message.Id is { } id) channel.ReplayedIds.Add(id);
        }
        TryAdd(channel);
        hub.Join(channel);
        await hub.Changes.WaitLiveAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        Reply(reply, ok: true, Json.Object(w =>
        {
            w.WritePropertyName("postgres_changes");
            w.WriteStartArray();
            foreach (var pc in config.PostgresChanges)
            {
                w.WriteStartObject();
                w.WriteNumber("id", pc.Id);
                w.WriteString("event", pc.Event);
                if (pc.Schema is not null) w.WriteString("schema", pc.Schema);
                if (pc.Table is not null) w.WriteString("table", pc.Table);
                if (pc.Filter is not null) w.WriteString("filter", pc.Filter);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }));
        if (channel.ReceivesPresence)
        {
            // The join's presence_state counts as a presence event (upstream's sync checks the same limit).
            if (!hub.PresenceEvents.TryAdd())
            {
                Shutdown(channel, "Too many presence messages per second");
                return;
            }
            Push(channel, "presence_state", hub.PresenceState(channel.GroupKey));
        }
        if (replayed is not null && channel.Policies.ReadBroadcast)
        {
            foreach (var message in replayed)
                if (message.FrameFor(Version) is { } frame) Send(frame.Data, frame.Binary);
        }
        if (config.ReplicationReady) _ = NotifyReplicationReadyAsync(channel);
        if (config.PostgresChanges.Count > 0)
        {
            if (subscription.Error is not null) PushSystem(channel, "postgres_changes", ok: false, subscription.Error);
            else _ = hub.Changes.ActivateAsync(channel, subscription);
        }
    }

    /// <summary>
    /// <c>broadcast.replication_ready</c>: "Replication connection established" once the database stream is live, or after
    /// <c>replication_ready_timeout_ms</c> a system error and the channel closed, as upstream.
    /// </summary>
    private async Task NotifyReplicationReadyAsync(JoinedChannel channel)
    {
        var live = await hub.Changes.TryWaitLiveAsync(hub.Options.ReplicationReadyTimeout).ConfigureAwait(false);
        if (channel.Closed) return;
        if (live)
        {
            PushSystem(channel, "system", ok: true, "Replication connection established");
            return;
        }
        PushSystem(channel, "system", ok: false, "Replication connection was not established in time");
        CloseFromServer(channel);
    }

    /// <summary>
    /// A <c>phx_join</c> error reply, sent after <c>channel_error_backoff_ms</c> (as upstream, to blunt retry storms) on a timer:
    /// the receive loop goes on meanwhile. Over the joins/s limit the socket is then closed, as upstream disconnects it.
    /// </summary>
    private void JoinError(PhoenixMessage reply, string reason, bool disconnect = false)
    {
        var delay = hub.Options.ChannelErrorBackoff;
        if (delay > TimeSpan.Zero)
        {
            _ = JoinErrorLaterAsync(reply, reason, delay, disconnect);
            return;
        }
        ReplyError(reply, reason);
        if (disconnect) Disconnect("too many joins per second");
    }

    private async Task JoinErrorLaterAsync(PhoenixMessage reply, string reason, TimeSpan delay, bool disconnect)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        ReplyError(reply, reason);
        if (disconnect) Disconnect("too many joins per second");
    }

    /// <summary>Counts a client message against <c>max_events_per_second</c>; over the limit the channel is closed with a system error.</summary>
    private bool WithinEventLimit(JoinedChannel channel)
    {
        if (hub.Events.TryAdd()) return true;
        PushSystem(channel, "system", ok: false, "Too many messages per second");
        CloseFromServer(channel);
        return false;
    }

    private async Task BroadcastAsync(JoinedChannel channel, PhoenixMessage m)
    {
        if (!WithinEventLimit(channel)) return;
        var persist = BroadcastPersistence.FromPush(m);
        if (persist is not null && !channel.Config.Private)
        {
            // As the REST endpoint: persist is for private channels only, and such a message is not sent.
            if (channel.Config.BroadcastAck) ReplyPersistError(m, "persist can only be used on private channels");
            return;
        }
        if (persist is { Valid: false })
        {
            if (channel.Config.BroadcastAck) ReplyPersistError(m, "persist must be true or {ttl: seconds}");
            return;
        }
        if (channel.Config.Private)
        {
            channel.CanWriteBroadcast ??= await ChannelAuthorization.WriteAsync(hub.Project.Database.Api, channel.Identity, channel.SubTopic, "broadcast").ConfigureAwait(false);
            if (channel.CanWriteBroadcast == false)
            {
                if (channel.Config.BroadcastAck) ReplyError(m, $"Unauthorized: You do not have permissions to write to this Channel topic: {channel.SubTopic}");
                return;
            }
        }
        BroadcastMessage? message;
        if (m.Binary is { } push)
            message = new BroadcastMessage(channel.Topic, push.UserEvent, push.Encoding, push.Payload);
        else
            message = BroadcastMessage.FromJsonPush(channel.Topic, m.Payload);
        if (message is null)
        {
            if (channel.Config.BroadcastAck) ReplyError(m, "Broadcast payload must have an event");
            return;
        }
        if (message.Payload.Length > hub.Options.MaxPayloadSizeInKb * 1024L)
        {
            if (channel.Config.BroadcastAck) ReplyError(m, "payload_size_exceeded");
            return;
        }
        if (persist is null)
        {
            hub.Broadcast(channel, message);
            if (channel.Config.BroadcastAck) Reply(m, ok: true, Json.EmptyObject);
            return;
        }
        channel.CanPersist ??= await ChannelAuthorization.WriteAsync(hub.Project.Database.Api, channel.Identity, channel.SubTopic, "persistence").ConfigureAwait(false);
        if (channel.CanPersist == false)
        {
            // Sent, not stored (as upstream's REST path); with ack the sender learns why.
            hub.Broadcast(channel, message);
            if (channel.Config.BroadcastAck) ReplyPersistError(m, $"Unauthorized: You do not have permissions to persist messages on this Channel topic: {channel.SubTopic}");
            return;
        }
        // Delivered live first, with the id it is stored under (later replays of it are then recognisable).
        var id = Guid.CreateVersion7();
        hub.Broadcast(channel, message.WithMeta(BroadcastPersistence.Meta(id)));
        var store = BroadcastPersistence.StoreAsync(hub.Project.Database.Admin, id, channel.SubTopic, message, persist.Ttl);
        if (!channel.Config.BroadcastAck)
        {
            _ = StoreInBackgroundAsync(store);
            return;
        }
        try
        {
            await store.ConfigureAwait(false);
            Reply(m, ok: true, Json.Object(w => w.WriteString("id", id.ToString())));
        }
        catch (Npgsql.NpgsqlException e)
        {
            Log.PersistFailed(logger, e);
            ReplyPersistError(m, "Realtime was unable to persist the message");
        }
    }

    private async Task StoreInBackgroundAsync(Task store)
    {
        try
        {
            await store.ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException e)
        {
            Log.PersistFailed(logger, e);
        }
    }

    /// <summary>A failed persisted send: <c>{"error": reason}</c>, which realtime-js's <c>send()</c> resolves with.</summary>
    private void ReplyPersistError(PhoenixMessage m, string reason) =>
        Send(PhoenixCodec.EncodeReply(Version, m.JoinRef, m.Ref, m.Topic, ok: false, Json.Object(w => w.WriteString("error", reason))), binary: false);

    /// <summary>
    /// Presence pushes, as upstream: not counted against <c>max_events_per_second</c>; 5 calls per 30 s per channel (over:
    /// system error "Client presence rate limit exceeded" and close); a track (and the presence_state it may send) counts
    /// against <c>max_presence_events_per_second</c> with the diffs it fans out (over: "Too many presence messages per second"
    /// and close); an oversize track closes the channel with "Track message size exceeded". Only track needs the write policy.
    /// </summary>
    private async Task PresenceAsync(JoinedChannel channel, PhoenixMessage m)
    {
        if (!channel.PresenceCalls.TryAdd())
        {
            Shutdown(channel, "Client presence rate limit exceeded");
            return;
        }
        var p = m.Payload;
        var ev = p.ValueKind == JsonValueKind.Object && p.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()?.ToLowerInvariant() : null;
        if (channel.Closed) return;
        if (channel.Config.Private && ev is "track")
        {
            channel.CanWritePresence ??= await ChannelAuthorization.WriteAsync(hub.Project.Database.Api, channel.Identity, channel.SubTopic, "presence").ConfigureAwait(false);
            if (channel.CanWritePresence == false)
            {
                ReplyError(m, $"Unauthorized: You do not have permissions to write to this Channel topic: {channel.SubTopic}");
                return;
            }
        }
        switch (ev)
        {
            case "track":
            {
                var meta = p.TryGetProperty("payload", out var pl) ? pl : default;
                if (meta.ValueKind != JsonValueKind.Object)
                {
                    ReplyError(m, "Presence track payload must be a map");
                    return;
                }
                if (meta.GetRawText().Length > hub.Options.MaxPayloadSizeInKb * 1024L)
                {
                    Shutdown(channel, "Track message size exceeded");
                    return;
                }
                if (!hub.PresenceEvents.TryAdd())
                {
                    Shutdown(channel, "Too many presence messages per second");
                    return;
                }
                if (!channel.PresenceEnabled)
                {
                    channel.PresenceEnabled = true;
                    if (channel.ReceivesPresence) Push(channel, "presence_state", hub.PresenceState(channel.GroupKey));
                }
                Reply(m, ok: true, Json.EmptyObject);
                hub.Track(channel, meta);
                return;
            }
            case "untrack":
            {
                Reply(m, ok: true, Json.EmptyObject);
                hub.Untrack(channel);
                return;
            }
            default:
                ReplyError(m, "Unknown presence event");
                return;
        }
    }

    /// <summary>Upstream's shutdown response: a <c>system</c> error with the reason, then the channel closes.</summary>
    private void Shutdown(JoinedChannel channel, string reason)
    {
        PushSystem(channel, "system", ok: false, reason);
        CloseFromServer(channel);
    }

    /// <summary>
    /// <c>access_token</c>: upstream ignores API keys, nulls and an unchanged token, and applies at most one refresh per
    /// <c>access_token_throttle_ms</c> (10 s) per channel: a refresh inside the window is held (the latest wins) and applied
    /// when the window closes, or when the current token expires first.
    /// </summary>
    private async Task AccessTokenAsync(JoinedChannel channel, PhoenixMessage m)
    {
        var p = m.Payload;
        var token = p.ValueKind == JsonValueKind.Object && p.TryGetProperty("access_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (string.IsNullOrEmpty(token) || token.StartsWith("sb_", StringComparison.Ordinal) || token == channel.Identity.Token) return;
        var throttle = (long)hub.Options.AccessTokenThrottle.TotalMilliseconds;
        var since = Environment.TickCount64 - channel.AccessTokenAppliedAt;
        if (channel.AccessTokenAppliedAt != 0 && since < throttle)
        {
            if (Interlocked.Exchange(ref channel.PendingAccessToken, token) is null)
                _ = ApplyPendingAccessTokenLaterAsync(channel, TimeSpan.FromMilliseconds(throttle - since));
            return;
        }
        Interlocked.Exchange(ref channel.PendingAccessToken, null);
        await ApplyAccessTokenAsync(channel, token).ConfigureAwait(false);
    }

    private async Task ApplyPendingAccessTokenLaterAsync(JoinedChannel channel, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        await ApplyPendingAccessTokenAsync(channel).ConfigureAwait(false);
    }

    /// <summary>Applies a held refresh now (its window closed, or the current token expired); nothing when none is held.</summary>
    internal async Task ApplyPendingAccessTokenAsync(JoinedChannel channel)
    {
        if (channel.Closed || Interlocked.Exchange(ref channel.PendingAccessToken, null) is not { } token) return;
        try
        {
            await ApplyAccessTokenAsync(channel, token).ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException e)
        {
            Log.AccessTokenFailed(logger, e);
            Shutdown(channel, "Realtime was unable to connect to the project database");
        }
    }

    /// <summary>
    /// Re-verifies the token, re-checks a private channel's read policies (losing a read permission the old token had closes
    /// the channel, as upstream) and moves the channel's postgres_changes to the new claims.
    /// </summary>
    private async Task ApplyAccessTokenAsync(JoinedChannel channel, string token)
    {
        channel.AccessTokenAppliedAt = Environment.TickCount64;
        var auth = await hub.Tokens.ValidateAsync(token).ConfigureAwait(false);
        if (!auth.IsValid)
        {
            Shutdown(channel, auth.Error!);
            return;
        }
        if (channel.Config.Private)
        {
            var policies = await ChannelAuthorization.ReadAsync(hub.Project.Database.Api, auth.Identity!, channel.SubTopic).ConfigureAwait(false);
            var old = channel.Policies;
            if (!policies.CanRead || (old.ReadBroadcast && !policies.ReadBroadcast) || (old.ReadPresence && !policies.ReadPresence))
            {
                Shutdown(channel, $"You no longer have permission to read from this Channel topic: {channel.SubTopic}");
                return;
            }
            channel.Policies = policies;
            channel.CanWriteBroadcast = channel.CanWritePresence = channel.CanPersist = null;
        }
        channel.Identity = auth.Identity!;
        channel.ExpiresAt = auth.ExpiresAt;
        hub.Changes.UpdateIdentity(channel);
    }
}
