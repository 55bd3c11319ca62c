// Helpers for the realtime compat tests: supabase-js clients pinned to a Phoenix vsn, and promise-based waiting.
import { createClient } from '@supabase/supabase-js';

/**
 * A supabase-js client speaking the given realtime protocol version, optionally as a user: the token comes from
 * supabase-js's `accessToken` option (as with third-party auth), so realtime-js re-reads it on every heartbeat
 * like it reads a signed-in session. `client.token` swaps it.
 */
export async function realtimeClient(sb, vsn, { key = sb.anonKey, accessToken } = {}) {
  const state = { token: accessToken };
  const client = createClient(sb.url, key, {
    ...(accessToken ? { accessToken: async () => state.token } : { auth: { persistSession: false, autoRefreshToken: false } }),
    realtime: { vsn, heartbeatIntervalMs: 5000 },
  });
  Object.defineProperty(client, 'token', { get: () => state.token, set: (t) => { state.token = t; } });
  return client;
}

/** Subscribes and resolves once SUBSCRIBED (rejects on CHANNEL_ERROR / TIMED_OUT). */
export function subscribed(channel) {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve(channel);
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
}

/** Collects values pushed by a callback and lets a test await the n-th one (or one matching a predicate). */
export class Inbox {
  items = [];
  waiters = [];
  push = (item) => {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  };
  /** Resolves with the first item matching `match` (default: any), failing after `ms`. */
  next(match = () => true, ms = 10_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.items.findIndex(match);
        if (i < 0) return false;
        const [item] = this.items.splice(i, 1);
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        resolve(item);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out; have ${JSON.stringify(this.items)}`));
      }, ms);
      if (!check()) this.waiters.push(check);
    });
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
