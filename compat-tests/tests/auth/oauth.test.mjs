// OAuth sign-in through supabase-js against a real OpenID Connect provider (oidc-provider), implicit and PKCE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Provider from 'oidc-provider';
import { createClient } from '@supabase/supabase-js';
import { createHash } from 'node:crypto';
import { startSupacs, freePort } from '../../lib/supacs.mjs';

let sb;
let oidc;
let server;
let issuer;

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  sb = await startSupacs({
    env: {
      GOTRUE_EXTERNAL_KEYCLOAK_ENABLED: 'true',
      GOTRUE_EXTERNAL_KEYCLOAK_CLIENT_ID: 'supacs-client',
      GOTRUE_EXTERNAL_KEYCLOAK_SECRET: 'supacs-secret-supacs-secret-1234',
      GOTRUE_EXTERNAL_KEYCLOAK_URL: issuer,
      GOTRUE_EXTERNAL_KEYCLOAK_ADDITIONAL_CLIENT_IDS: 'ios-client',
      GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**',
      GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
      // "apple" pointed at the same local OpenID provider: Apple's form_post callback path.
      GOTRUE_EXTERNAL_APPLE_ENABLED: 'true',
      GOTRUE_EXTERNAL_APPLE_CLIENT_ID: 'supacs-client',
      GOTRUE_EXTERNAL_APPLE_SECRET: 'supacs-secret-supacs-secret-1234',
      GOTRUE_EXTERNAL_APPLE_URL: issuer,
    },
  });
  oidc = new Provider(issuer, {
    clients: [{
      client_id: 'supacs-client',
      client_secret: 'supacs-secret-supacs-secret-1234',
      redirect_uris: [`${sb.url}/auth/v1/callback`, 'http://localhost/native'],
      token_endpoint_auth_method: 'client_secret_post',
    }, ...['ios-client', 'stranger-client'].map((id) => ({
      client_id: id,
      client_secret: `${id}-secret-secret-secret-secret-1234`,
      redirect_uris: ['http://localhost/native'],
      token_endpoint_auth_method: 'client_secret_post',
    }))],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@oidc.example.com`, email_verified: true, name: `User ${id}`, picture: `https://img.example.com/${id}.png` };
        },
      };
    },
    pkce: { required: () => false },
    conformIdTokenClaims: false, // put the email and profile claims in the ID token itself (signInWithIdToken reads only it)
    features: { devInteractions: { enabled: true } },
  });
  server = oidc.listen(port);
  await new Promise((ok) => server.on('listening', ok));
});
after(async () => {
  await sb?.stop();
  await new Promise((ok) => server?.close(ok));
});

/** Follows redirects by hand (keeping the provider's cookies) and logs in as `login` when asked; returns supacs's final Location. */
async function runBrowser(startUrl, login) {
  const jar = new Map();
  let url = startUrl;
  for (let i = 0; i < 20; i++) {
    const headers = url.startsWith(issuer) ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
    let res = await fetch(url, { redirect: 'manual', headers });
    const remember = (r) => { for (const c of r.headers.getSetCookie()) { const [kv] = c.split(';'); const j = kv.indexOf('='); jar.set(kv.slice(0, j), kv.slice(j + 1)); } };
    remember(res);
    if (res.status === 200 && url.startsWith(`${issuer}/interaction/`)) {
      const html = await res.text();
      const action = new URL(html.match(/action="([^"]+)"/)[1], issuer).href;
      const body = html.includes('name="login"') ? new URLSearchParams({ prompt: 'login', login, password: 'any' }) : new URLSearchParams({ prompt: 'consent' });
      res = await fetch(action, {
        method: 'POST', redirect: 'manual', body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      remember(res);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url} (${res.status}): ${await res.text()}`);
    const next = new URL(location, url).href;
    if (!next.startsWith(issuer) && !next.startsWith(sb.url)) return next;
    url = next;
  }
  throw new Error('too many redirects');
}

test('signInWithOAuth (implicit): provider login, callback, session in the fragment; the identity links the user', async () => {
  const supabase = sb.client();
  const { data, error } = await supabase.auth.signInWithOAuth({ provider: 'keycloak', options: { redirectTo: 'http://localhost:3000/home', skipBrowserRedirect: true } });
  assert.equal(error, null);
  const first = await fetch(data.url, { redirect: 'manual' });
  assert.equal(first.status, 302);
  assert.ok(first.headers.get('location').startsWith(`${issuer}/auth?`));
  const final = new URL(await runBrowser(data.url, 'alice'));
  assert.equal(final.origin + final.pathname, 'http://localhost:3000/home');
  const params = new URLSearchParams(final.hash.slice(1));
  assert.ok(params.get('provider_token'));
  const { data: me, error: e2 } = await sb.client().auth.getUser(params.get('access_token'));
  assert.equal(e2, null);
  assert.equal(me.user.email, 'alice@oidc.example.com');
  assert.ok(me.user.email_confirmed_at);
  assert.equal(me.user.app_metadata.provider, 'keycloak');
  assert.equal(me.user.user_metadata.full_name, 'User alice');
  assert.equal(me.user.user_metadata.avatar_url, 'https://img.example.com/alice.png');
  assert.equal(me.user.identities[0].provider, 'keycloak');
  assert.equal(me.user.identities[0].id, 'alice');
  const claims = JSON.parse(Buffer.from(params.get('access_token').split('.')[1], 'base64url'));
  assert.deepEqual(claims.amr.map((a) => a.method), ['oauth']);

  // Signing in again finds the same user through the identity.
  const again = new URLSearchParams(new URL(await runBrowser(data.url.replace(/&?redirect_to=[^&]+/, ''), 'alice')).hash.slice(1));
  const { data: me2 } = await sb.client().auth.getUser(again.get('access_token'));
  assert.equal(me2.user.id, me.user.id);
});

test('signInWithOAuth (PKCE): ?code= on the redirect and exchangeCodeForSession with provider_token', async () => {
  const store = new Map();
  const supabase = createClient(sb.url, sb.anonKey, {
    auth: {
      flowType: 'pkce', persistSession: true, autoRefreshToken: false, detectSessionInUrl: false,
      storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) },
    },
  });
  const { data } = await supabase.auth.signInWithOAuth({ provider: 'keycloak', options: { redirectTo: 'http://localhost:3000/cb', skipBrowserRedirect: true } });
  assert.match(data.url, /code_challenge=/);
  const final = new URL(await runBrowser(data.url, 'bob'));
  assert.equal(final.pathname, '/cb');
  const code = final.searchParams.get('code');
  const { data: session, error } = await supabase.auth.exchangeCodeForSession(code);
  assert.equal(error, null);
  assert.equal(session.user.email, 'bob@oidc.example.com');
  assert.ok(session.session.provider_token);
});

test('an existing email user is linked by the verified provider email', async () => {
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const { data: existing } = await admin.createUser({ email: 'carol@oidc.example.com', password: 'password123', email_confirm: true });
  const { data } = await sb.client().auth.signInWithOAuth({ provider: 'keycloak', options: { skipBrowserRedirect: true } });
  const params = new URLSearchParams(new URL(await runBrowser(data.url, 'carol')).hash.slice(1));
  const { data: me } = await sb.client().auth.getUser(params.get('access_token'));
  assert.equal(me.user.id, existing.user.id);
  assert.deepEqual(me.user.identities.map((i) => i.provider).sort(), ['email', 'keycloak']);
  assert.deepEqual(me.user.app_metadata.providers.sort(), ['email', 'keycloak']);
});

test('unknown or disabled providers and forged state are refused', async () => {
  const res = await fetch(`${sb.url}/auth/v1/authorize?provider=github`, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error_code, 'validation_failed');
  const cb = await fetch(`${sb.url}/auth/v1/callback?code=x&state=${crypto.randomUUID()}`, { redirect: 'manual' });
  assert.equal(cb.status, 400);
  assert.equal((await cb.json()).error, 'invalid_request');
  const settings = await (await fetch(`${sb.url}/auth/v1/settings`, { headers: { apikey: sb.anonKey } })).json();
  assert.equal(settings.external.keycloak, true);
  assert.equal(settings.external.github, false);
});

test('linkIdentity adds the provider identity to the signed-in user; unlinkIdentity removes it but not the last one', async () => {
  const supabase = sb.client();
  const address = `link${Math.random().toString(36).slice(2, 8)}@example.com`;
  const { data: signed } = await supabase.auth.signUp({ email: address, password: 'password123' });
  const { data, error } = await supabase.auth.linkIdentity({ provider: 'keycloak', options: { redirectTo: 'http://localhost:3000/linked', skipBrowserRedirect: true } });
  assert.equal(error, null);
  assert.ok(data.url.startsWith(`${issuer}/auth?`));
  const final = new URL(await runBrowser(data.url, 'dave'));
  assert.equal(final.pathname, '/linked');
  const params = new URLSearchParams(final.hash.slice(1));
  const { data: me } = await sb.client().auth.getUser(params.get('access_token'));
  assert.equal(me.user.id, signed.user.id);
  assert.deepEqual(me.user.identities.map((i) => i.provider).sort(), ['email', 'keycloak']);

  const { data: ids } = await supabase.auth.getUserIdentities();
  const kc = ids.identities.find((i) => i.provider === 'keycloak');
  assert.equal((await supabase.auth.unlinkIdentity(kc)).error, null);
  const { data: after } = await supabase.auth.getUserIdentities();
  assert.deepEqual(after.identities.map((i) => i.provider), ['email']);
  const last = await supabase.auth.unlinkIdentity(after.identities[0]);
  assert.equal(last.error.code, 'single_identity_not_deletable');
  // Linking and unlinking are in the audit log, as GoTrue records them.
  const { rows: audit } = await sb.sql(
    "select payload->>'action' as action from auth.audit_log_entries where payload->>'actor_id' = $1 and payload->>'action' like 'identity_%' order by created_at",
    [signed.user.id]);
  assert.deepEqual(audit.map((r) => r.action), ['identity_linked', 'identity_unlinked']);

  // dave's provider identity now belongs to nobody; linking it to a second user works, and linking it again elsewhere is refused.
  const other = sb.client();
  await other.auth.signUp({ email: `o${address}`, password: 'password123' });
  const { data: d2 } = await other.auth.linkIdentity({ provider: 'keycloak', options: { redirectTo: 'http://localhost:3000/linked', skipBrowserRedirect: true } });
  assert.ok(new URLSearchParams(new URL(await runBrowser(d2.url, 'dave')).hash.slice(1)).get('access_token'));
  const { data: d3 } = await supabase.auth.linkIdentity({ provider: 'keycloak', options: { redirectTo: 'http://localhost:3000/linked', skipBrowserRedirect: true } });
  const refused = new URL(await runBrowser(d3.url, 'dave'));
  assert.equal(new URLSearchParams(refused.hash.slice(1)).get('error_code'), 'identity_already_exists');
});

/** What a native app does: its own code flow at the provider, then the ID token from the token endpoint. */
async function nativeIdToken(login, nonce, clientId = 'supacs-client', clientSecret = 'supacs-secret-supacs-secret-1234') {
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: clientId, redirect_uri: 'http://localhost/native', response_type: 'code', scope: 'openid email profile',
    state: 's', ...(nonce ? { nonce: createHash('sha256').update(nonce).digest('hex') } : {}),
  }).toString();
  const code = new URL(await runBrowser(auth.href, login)).searchParams.get('code');
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://localhost/native', client_id: clientId, client_secret: clientSecret }),
  });
  return (await res.json()).id_token;
}

test('signInWithIdToken verifies the provider ID token (JWKS, issuer, audience, nonce)', async () => {
  const idToken = await nativeIdToken('erin', 'raw-nonce-1');
  const wrongNonce = await sb.client().auth.signInWithIdToken({ provider: 'keycloak', token: idToken, nonce: 'other' });
  assert.equal(wrongNonce.error.status, 400);
  const { data, error } = await sb.client().auth.signInWithIdToken({ provider: 'keycloak', token: idToken, nonce: 'raw-nonce-1' });
  assert.equal(error, null);
  assert.equal(data.user.email, 'erin@oidc.example.com');
  assert.equal(data.user.identities[0].provider, 'keycloak');
  const tampered = idToken.slice(0, -6) + (idToken.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
  const bad = await sb.client().auth.signInWithIdToken({ provider: 'keycloak', token: tampered, nonce: 'raw-nonce-1' });
  assert.equal(bad.error.status, 400);
  const unknown = await sb.client().auth.signInWithIdToken({ provider: 'google', token: idToken });
  assert.equal(unknown.error.status, 400);
});

test('Apple: response_mode=form_post; the provider POSTs code, state and the first-sign-in user name to /callback', async () => {
  const supabase = sb.client();
  const { data } = await supabase.auth.signInWithOAuth({ provider: 'apple', options: { redirectTo: 'http://localhost:3000/apple', scopes: 'name email', skipBrowserRedirect: true } });
  const start = new URL((await fetch(data.url, { redirect: 'manual' })).headers.get('location'));
  assert.equal(start.searchParams.get('response_mode'), 'form_post');

  // Log in at the provider by hand; its last answer is an auto-submitting form aimed at supacs's /callback.
  const jar = new Map();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (r) => { for (const c of r.headers.getSetCookie()) { const [kv] = c.split(';'); const j = kv.indexOf('='); jar.set(kv.slice(0, j), kv.slice(j + 1)); } };
  let url = start.href;
  let html = '';
  for (let i = 0; i < 20; i++) {
    let res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
    remember(res);
    if (res.status === 200) {
      html = await res.text();
      if (!html.includes('name="prompt"')) break; // the form_post page
      const action = new URL(html.match(/action="([^"]+)"/)[1], issuer).href;
      const body = html.includes('name="login"') ? new URLSearchParams({ prompt: 'login', login: 'frank', password: 'any' }) : new URLSearchParams({ prompt: 'consent' });
      res = await fetch(action, { method: 'POST', redirect: 'manual', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() } });
      remember(res);
    }
    url = new URL(res.headers.get('location'), url).href;
  }
  const action = html.match(/<form[^>]*action="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.equal(action, `${sb.url}/auth/v1/callback`);
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  assert.ok(fields.code && fields.state);
  const posted = await fetch(action, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, user: JSON.stringify({ name: { firstName: 'Frank', lastName: 'Apple' }, email: 'frank@oidc.example.com' }) }),
  });
  assert.equal(posted.status, 302);
  const final = new URL(posted.headers.get('location'));
  assert.equal(final.origin + final.pathname, 'http://localhost:3000/apple');
  const params = new URLSearchParams(final.hash.slice(1));
  const { data: me, error } = await sb.client().auth.getUser(params.get('access_token'));
  assert.equal(error, null);
  assert.equal(me.user.email, 'frank@oidc.example.com');
  assert.equal(me.user.app_metadata.provider, 'apple');
  assert.equal(me.user.user_metadata.full_name, 'Frank Apple');
});

test('signInWithIdToken: ADDITIONAL_CLIENT_IDS lets a native client\'s ID token in; another client\'s audience is refused', async () => {
  const ios = await nativeIdToken('gina', undefined, 'ios-client', 'ios-client-secret-secret-secret-secret-1234');
  assert.equal(JSON.parse(Buffer.from(ios.split('.')[1], 'base64url')).aud, 'ios-client');
  const { data, error } = await sb.client().auth.signInWithIdToken({ provider: 'keycloak', token: ios });
  assert.equal(error, null);
  assert.equal(data.user.email, 'gina@oidc.example.com');

  const stranger = await nativeIdToken('hank', undefined, 'stranger-client', 'stranger-client-secret-secret-secret-secret-1234');
  const refused = await sb.client().auth.signInWithIdToken({ provider: 'keycloak', token: stranger });
  assert.equal(refused.error.status, 400);
  assert.match(refused.error.message, /audience|Audience|aud/);
  const { rows } = await sb.sql("select count(*)::int as n from auth.users where email = 'hank@oidc.example.com'");
  assert.equal(rows[0].n, 0);
});
