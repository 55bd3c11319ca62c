// OAuth sign-in through supabase-js with the plain OAuth 2.0 providers (GitHub, Discord, Facebook), each pointed at a
// local server that speaks the provider's documented token and user endpoints (fake-oauth2.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { startSupacs } from '../../lib/supacs.mjs';
import { startFakeOAuth2 } from './fake-oauth2.mjs';

const clients = {
  github: { clientId: 'gh-client', secret: 'gh-secret' },
  discord: { clientId: 'dc-client', secret: 'dc-secret' },
  facebook: { clientId: 'fb-client', secret: 'fb-secret' },
  gitlab: { clientId: 'gl-client', secret: 'gl-secret' },
  twitch: { clientId: 'tw-client', secret: 'tw-secret' },
  spotify: { clientId: 'sp-client', secret: 'sp-secret' },
  bitbucket: { clientId: 'bb-client', secret: 'bb-secret' },
};
let sb;
let fake;

before(async () => {
  fake = await startFakeOAuth2({ clients });
  const env = { GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**' };
  for (const [name, c] of Object.entries(clients)) {
    const p = `GOTRUE_EXTERNAL_${name.toUpperCase()}_`;
    Object.assign(env, { [`${p}ENABLED`]: 'true', [`${p}CLIENT_ID`]: c.clientId, [`${p}SECRET`]: c.secret, [`${p}URL`]: fake.url });
  }
  sb = await startSupacs({ env });
});
after(async () => {
  await sb?.stop();
  await fake?.close();
});

const rand = () => Math.random().toString(36).slice(2, 10);

/** Follows the redirects of an OAuth start URL until it leaves supacs and the fake provider; returns that URL. */
async function follow(url) {
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url} (${res.status}): ${await res.text()}`);
    const next = new URL(location, url).href;
    if (!next.startsWith(fake.url) && !next.startsWith(sb.url)) return new URL(next);
    url = next;
  }
  throw new Error('too many redirects');
}

function pkceClient() {
  const store = new Map();
  return createClient(sb.url, sb.anonKey, {
    auth: {
      flowType: 'pkce', persistSession: true, autoRefreshToken: false, detectSessionInUrl: false,
      storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) },
    },
  });
}

test('GitHub (PKCE): /login/oauth/authorize with user:email, code exchange, /user + /user/emails mapped like GoTrue', async () => {
  const login = `octo${rand()}`;
  fake.state.users.github = {
    id: 583231 + Math.floor(Math.random() * 1e6), login, name: 'The Octocat', avatar_url: `https://avatars.example.com/${login}`,
    emails: [
      { email: `${login}-old@example.com`, primary: false, verified: true, visibility: null },
      { email: `${login.toUpperCase()}@Example.com`, primary: true, verified: true, visibility: 'public' },
    ],
  };
  const supabase = pkceClient();
  const { data, error } = await supabase.auth.signInWithOAuth({ provider: 'github', options: { redirectTo: 'http://localhost:3000/cb', scopes: 'repo', skipBrowserRedirect: true } });
  assert.equal(error, null);
  const start = await fetch(data.url, { redirect: 'manual' });
  const authorize = new URL(start.headers.get('location'));
  assert.equal(authorize.origin + authorize.pathname, `${fake.url}/login/oauth/authorize`);
  assert.equal(authorize.searchParams.get('client_id'), 'gh-client');
  assert.equal(authorize.searchParams.get('redirect_uri'), `${sb.url}/auth/v1/callback`);
  assert.deepEqual(authorize.searchParams.get('scope').split(' '), ['user:email', 'repo']);

  const final = await follow(data.url);
  assert.equal(final.origin + final.pathname, 'http://localhost:3000/cb');
  const { data: session, error: e2 } = await supabase.auth.exchangeCodeForSession(final.searchParams.get('code'));
  assert.equal(e2, null);
  assert.match(session.session.provider_token, /^github-/);
  const user = session.user;
  assert.equal(user.email, `${login}@example.com`);
  assert.ok(user.email_confirmed_at);
  assert.equal(user.app_metadata.provider, 'github');
  assert.deepEqual(user.app_metadata.providers, ['github']);
  assert.equal(user.user_metadata.user_name, login);
  assert.equal(user.user_metadata.preferred_username, login);
  assert.equal(user.user_metadata.full_name, 'The Octocat');
  assert.equal(user.user_metadata.avatar_url, `https://avatars.example.com/${login}`);
  assert.equal(user.user_metadata.iss, `${fake.url}/api/v3`);
  const identity = user.identities[0];
  assert.equal(identity.provider, 'github');
  assert.equal(identity.id, String(fake.state.users.github.id));
  assert.equal(identity.identity_data.provider_id, String(fake.state.users.github.id));
  assert.equal(identity.identity_data.email_verified, true);
  const userCalls = fake.state.requests.filter((r) => r.path.startsWith('/api/v3/user'));
  assert.ok(userCalls.every((r) => r.headers.authorization === `Bearer ${session.session.provider_token}`));
});

test('GitHub: a verified primary email links to the existing email user; signing in again finds the same identity', async () => {
  const address = `link${rand()}@example.com`;
  const admin = createClient(sb.url, sb.serviceRoleKey, { auth: { persistSession: false } });
  const { data: created } = await admin.auth.admin.createUser({ email: address, password: 'password123', email_confirm: true });
  fake.state.users.github = { id: 9000000 + Math.floor(Math.random() * 1e6), login: 'linker', name: 'Linker', avatar_url: null, emails: [{ email: address, primary: true, verified: true }] };

  const implicit = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
  const { data } = await implicit.auth.signInWithOAuth({ provider: 'github', options: { redirectTo: 'http://localhost:3000/home', skipBrowserRedirect: true } });
  const fragment = new URLSearchParams((await follow(data.url)).hash.slice(1));
  const { data: me } = await sb.client().auth.getUser(fragment.get('access_token'));
  assert.equal(me.user.id, created.user.id);
  assert.deepEqual(me.user.app_metadata.providers.sort(), ['email', 'github']);
  assert.deepEqual(me.user.identities.map((i) => i.provider).sort(), ['email', 'github']);

  const again = new URLSearchParams((await follow(data.url)).hash.slice(1));
  const { data: me2 } = await sb.client().auth.getUser(again.get('access_token'));
  assert.equal(me2.user.id, created.user.id);
});

test('GitHub: an unverified email creates an unconfirmed user; a failed code exchange redirects with the error', async () => {
  const login = `unv${rand()}`;
  fake.state.users.github = { id: 7000000 + Math.floor(Math.random() * 1e6), login, name: null, avatar_url: null, emails: [{ email: `${login}@example.com`, primary: true, verified: false }] };
  const client = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
  const { data } = await client.auth.signInWithOAuth({ provider: 'github', options: { redirectTo: 'http://localhost:3000/home', skipBrowserRedirect: true } });
  await follow(data.url);
  const { rows } = await sb.sql('select email_confirmed_at, raw_user_meta_data from auth.users where email = $1', [`${login}@example.com`]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].email_confirmed_at, null);
  assert.equal(rows[0].raw_user_meta_data.email_verified, false);

  fake.state.failExchange = 'github';
  try {
    const failed = await follow(data.url);
    assert.equal(failed.origin + failed.pathname, 'http://localhost:3000/home');
    const err = new URLSearchParams(failed.hash.slice(1));
    assert.equal(err.get('error'), 'server_error');
    assert.match(err.get('error_description'), /The code passed is incorrect or expired/);
  } finally {
    fake.state.failExchange = null;
  }
});

test('Discord (implicit): /api/oauth2 endpoints, /api/users/@me mapped (name#discriminator, CDN avatar, global_name)', async () => {
  const id = String(80351110224678912n + BigInt(Math.floor(Math.random() * 1e6)));
  fake.state.users.discord = { id, username: 'nelly', discriminator: '1337', avatar: 'a_8342729096ea3675442027381ff50dfe', email: `nelly${rand()}@example.com`, verified: true, global_name: 'Nelly' };
  const client = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
  const { data } = await client.auth.signInWithOAuth({ provider: 'discord', options: { redirectTo: 'http://localhost:3000/home', skipBrowserRedirect: true } });
  const start = new URL((await fetch(data.url, { redirect: 'manual' })).headers.get('location'));
  assert.equal(start.pathname, '/api/oauth2/authorize');
  assert.deepEqual(start.searchParams.get('scope').split(' '), ['email', 'identify']);
  const fragment = new URLSearchParams((await follow(data.url)).hash.slice(1));
  assert.match(fragment.get('provider_token'), /^discord-/);
  assert.match(fragment.get('provider_refresh_token'), /^refresh-discord-/);
  const { data: me, error } = await sb.client().auth.getUser(fragment.get('access_token'));
  assert.equal(error, null);
  assert.equal(me.user.email, fake.state.users.discord.email);
  assert.equal(me.user.user_metadata.name, 'nelly#1337');
  assert.equal(me.user.user_metadata.full_name, 'nelly');
  assert.equal(me.user.user_metadata.avatar_url, `https://cdn.discordapp.com/avatars/${id}/a_8342729096ea3675442027381ff50dfe.gif`);
  assert.equal(me.user.user_metadata.custom_claims.global_name, 'Nelly');
  assert.equal(me.user.user_metadata.iss, `${fake.url}/api`);
  assert.equal(me.user.identities[0].id, id);
});

test('Facebook: /dialog/oauth, /oauth/access_token, Graph /me with appsecret_proof; the email counts as verified', async () => {
  const id = String(10000000000 + Math.floor(Math.random() * 1e9));
  fake.state.users.facebook = { id, email: `fb${rand()}@example.com`, first_name: 'Mark', last_name: 'Z', name: 'mz', picture: { data: { url: 'https://fb.example.com/p.jpg' } } };
  const supabase = pkceClient();
  const { data } = await supabase.auth.signInWithOAuth({ provider: 'facebook', options: { redirectTo: 'http://localhost:3000/cb', skipBrowserRedirect: true } });
  const start = new URL((await fetch(data.url, { redirect: 'manual' })).headers.get('location'));
  assert.equal(start.pathname, '/dialog/oauth');
  assert.equal(start.searchParams.get('scope'), 'email');
  const final = await follow(data.url);
  const { data: session, error } = await supabase.auth.exchangeCodeForSession(final.searchParams.get('code'));
  assert.equal(error, null);
  const me = session.user;
  assert.equal(me.email, fake.state.users.facebook.email);
  assert.ok(me.email_confirmed_at);
  assert.equal(me.user_metadata.full_name, 'Mark Z');
  assert.equal(me.user_metadata.nickname, 'mz');
  assert.equal(me.user_metadata.slug, 'mz');
  assert.equal(me.user_metadata.picture, 'https://fb.example.com/p.jpg');
  const graph = fake.state.requests.filter((r) => r.path === '/me').at(-1);
  assert.equal(graph.query.fields, 'email,first_name,last_name,name,picture');
  assert.match(graph.query.appsecret_proof, /^[0-9a-f]{64}$/);
});

test('raw HTTP: /authorize for a disabled or unknown provider is 400 validation_failed', async () => {
  for (const provider of ['zoom', 'nope']) {
    const res = await fetch(`${sb.url}/auth/v1/authorize?provider=${provider}`, { redirect: 'manual', headers: { apikey: sb.anonKey } });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error_code, 'validation_failed');
    assert.match(body.msg, /Unsupported provider/);
  }
});

/** Implicit sign-in with `provider`; returns the authorize URL the browser was sent to and the signed-in user. */
async function implicitSignIn(provider, scopes) {
  const client = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
  const { data } = await client.auth.signInWithOAuth({ provider, options: { redirectTo: 'http://localhost:3000/home', scopes, skipBrowserRedirect: true } });
  const authorize = new URL((await fetch(data.url, { redirect: 'manual' })).headers.get('location'));
  const fragment = new URLSearchParams((await follow(data.url)).hash.slice(1));
  const { data: me, error } = await sb.client().auth.getUser(fragment.get('access_token'));
  assert.equal(error, null, `${provider}: ${fragment.get('error_description')}`);
  return { authorize, user: me.user };
}

test('GitLab: /oauth/authorize (read_user), /api/v4/user with confirmed_at → verified primary email', async () => {
  const id = 100000 + Math.floor(Math.random() * 1e6);
  fake.state.users.gitlab = { id, name: 'Gita Lab', avatar_url: 'https://gl.example.com/a.png', email: `gita${id}@example.com`, confirmed_at: '2024-01-01T00:00:00Z', extraEmails: [`other${id}@example.com`] };
  const { authorize, user } = await implicitSignIn('gitlab');
  assert.equal(authorize.pathname, '/oauth/authorize');
  assert.equal(authorize.searchParams.get('scope'), 'read_user');
  assert.equal(user.email, `gita${id}@example.com`);
  assert.ok(user.email_confirmed_at);
  assert.equal(user.user_metadata.full_name, 'Gita Lab');
  assert.equal(user.user_metadata.iss, fake.url);
  assert.equal(user.identities[0].id, String(id));
});

test('Twitch: /oauth2 endpoints, Helix /helix/users with Client-Id; login, display name and custom claims', async () => {
  const id = String(1000 + Math.floor(Math.random() * 1e6));
  fake.state.users.twitch = { id, login: 'streamer', display_name: 'Streamer', type: '', broadcaster_type: 'partner', description: 'hi', profile_image_url: 'https://tw.example.com/p.png', offline_image_url: '', view_count: 42, email: `tw${id}@example.com` };
  const { authorize, user } = await implicitSignIn('twitch');
  assert.equal(authorize.pathname, '/oauth2/authorize');
  assert.equal(authorize.searchParams.get('scope'), 'user:read:email');
  assert.equal(user.email, `tw${id}@example.com`);
  assert.ok(user.email_confirmed_at);
  assert.equal(user.user_metadata.name, 'streamer');
  assert.equal(user.user_metadata.nickname, 'Streamer');
  assert.equal(user.user_metadata.custom_claims.broadcaster_type, 'partner');
  assert.equal(user.user_metadata.custom_claims.view_count, 42);
});

test('Spotify: /authorize, /api/token, /me; the email is not verified so the user stays unconfirmed', async () => {
  const id = `sp${Math.random().toString(36).slice(2, 10)}`;
  fake.state.users.spotify = { id, display_name: 'DJ', email: `${id}@example.com`, images: [{ url: 'https://sp.example.com/i.jpg', height: 64, width: 64 }] };
  const client = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
  const { data } = await client.auth.signInWithOAuth({ provider: 'spotify', options: { redirectTo: 'http://localhost:3000/home', skipBrowserRedirect: true } });
  const start = new URL((await fetch(data.url, { redirect: 'manual' })).headers.get('location'));
  assert.equal(start.pathname, '/authorize');
  assert.equal(start.searchParams.get('scope'), 'user-read-email');
  await follow(data.url);
  const { rows } = await sb.sql("select email_confirmed_at, raw_user_meta_data as meta from auth.users where email = $1", [`${id}@example.com`]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].email_confirmed_at, null);
  assert.equal(rows[0].meta.avatar_url, 'https://sp.example.com/i.jpg');
  assert.equal(rows[0].meta.full_name, 'DJ');
});

test('Bitbucket: fixed scopes (account email), /2.0/user + /2.0/user/emails with is_primary / is_confirmed', async () => {
  const uuid = `{${crypto.randomUUID()}}`;
  fake.state.users.bitbucket = {
    uuid, display_name: 'Bit Bucket', avatar: { href: 'https://bb.example.com/a.png' },
    emails: [
      { email: `old${uuid.slice(1, 9)}@example.com`, is_primary: false, is_confirmed: true },
      { email: `bb${uuid.slice(1, 9)}@example.com`, is_primary: true, is_confirmed: true },
    ],
  };
  const { authorize, user } = await implicitSignIn('bitbucket', 'repository');
  assert.equal(authorize.pathname, '/site/oauth2/authorize');
  assert.equal(authorize.searchParams.get('scope'), 'account email');
  assert.equal(user.email, `bb${uuid.slice(1, 9)}@example.com`);
  assert.equal(user.identities[0].id, uuid);
  assert.equal(user.user_metadata.iss, `${fake.url}/2.0`);
});
