// More of the Auth API through supabase-js (admin MFA, bans, admin sign-out, token_hash verification) and raw-HTTP
// checks of bad input and JWTs, against a default project.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createClient } from '@supabase/supabase-js';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let admin;
before(async () => {
  sb = await startSupacs();
  admin = createClient(sb.url, sb.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
});
after(async () => { await sb?.stop(); });

const email = () => `a${Math.random().toString(36).slice(2, 10)}@example.com`;
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function raw(path, { method = 'POST', body, headers = {}, key = sb.anonKey } = {}) {
  const res = await fetch(`${sb.url}/auth/v1${path}`, {
    method,
    headers: { apikey: key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function userWithSession() {
  const client = sb.client();
  const address = email();
  const { data, error } = await client.auth.signUp({ email: address, password: 'password123' });
  assert.equal(error, null);
  return { client, address, user: data.user, session: data.session };
}

test('admin.mfa.listFactors shows a user\'s factors and admin.mfa.deleteFactor removes one', async () => {
  const { client, user } = await userWithSession();
  const { data: enrolled, error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'authenticator' });
  assert.equal(error, null);
  const { data: listed, error: e2 } = await admin.auth.admin.mfa.listFactors({ userId: user.id });
  assert.equal(e2, null);
  assert.deepEqual(listed.factors.map((f) => [f.id, f.factor_type, f.status, f.friendly_name]), [[enrolled.id, 'totp', 'unverified', 'authenticator']]);
  const { data: deleted, error: e3 } = await admin.auth.admin.mfa.deleteFactor({ userId: user.id, id: enrolled.id });
  assert.equal(e3, null);
  // auth-js 2.119 wraps this response once more ({ data: factor, error: null }).
  assert.equal((deleted.data ?? deleted).id, enrolled.id);
  const { data: after } = await admin.auth.admin.mfa.listFactors({ userId: user.id });
  assert.deepEqual(after.factors, []);
});

test('ban_duration: a banned user cannot sign in (user_banned) and loses the sessions; "none" lifts the ban', async () => {
  const { address, user, session } = await userWithSession();
  const { data: banned, error } = await admin.auth.admin.updateUserById(user.id, { ban_duration: '24h' });
  assert.equal(error, null);
  assert.ok(new Date(banned.user.banned_until) > new Date(Date.now() + 23 * 3600 * 1000));
  const { error: signIn } = await sb.client().auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(signIn.status, 400);
  assert.equal(signIn.code, 'user_banned');
  const { error: refresh } = await sb.client().auth.refreshSession({ refresh_token: session.refresh_token });
  assert.ok(refresh, 'the banned user\'s refresh token must not work');

  await admin.auth.admin.updateUserById(user.id, { ban_duration: 'none' });
  const { data: back, error: e2 } = await sb.client().auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(e2, null);
  assert.equal(back.user.banned_until ?? null, null);
});

test('admin.createUser with phone_confirm and both metadata; unknown ids are user_not_found 404', async () => {
  const phone = `1555${Math.floor(1e6 + Math.random() * 8e6)}`;
  const { data, error } = await admin.auth.admin.createUser({
    email: email(), password: 'password123', email_confirm: true, phone, phone_confirm: true,
    user_metadata: { name: 'Ada' }, app_metadata: { plan: 'pro' },
  });
  assert.equal(error, null);
  assert.equal(data.user.phone, phone);
  assert.ok(data.user.phone_confirmed_at);
  assert.ok(data.user.email_confirmed_at);
  assert.equal(data.user.user_metadata.name, 'Ada');
  assert.equal(data.user.app_metadata.plan, 'pro');
  assert.equal(data.user.app_metadata.provider, 'email');
  const claims = decode((await sb.client().auth.signInWithPassword({ email: data.user.email, password: 'password123' })).data.session.access_token);
  assert.equal(claims.app_metadata.plan, 'pro');
  assert.equal(claims.phone, phone);

  const { data: none, error: missing } = await admin.auth.admin.getUserById('00000000-0000-4000-8000-000000000000');
  assert.equal(none.user, null);
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'user_not_found');
});

test('admin.signOut(jwt) ends that user\'s session: the access token and refresh token stop working', async () => {
  const { session } = await userWithSession();
  const { error } = await admin.auth.admin.signOut(session.access_token, 'global');
  assert.equal(error, null);
  const { data, error: e2 } = await sb.client().auth.getUser(session.access_token);
  assert.equal(data.user, null);
  assert.equal(e2.name, 'AuthSessionMissingError');
  const { error: e3 } = await sb.client().auth.refreshSession({ refresh_token: session.refresh_token });
  assert.equal(e3.code, 'refresh_token_not_found');
});

test('verifyOtp({ token_hash, type: magiclink }) with generateLink\'s hashed_token signs in once', async () => {
  const { address } = await userWithSession();
  const { data, error } = await admin.auth.admin.generateLink({ type: 'magiclink', email: address });
  assert.equal(error, null);
  const client = sb.client();
  const { data: verified, error: e2 } = await client.auth.verifyOtp({ token_hash: data.properties.hashed_token, type: 'magiclink' });
  assert.equal(e2, null);
  assert.equal(verified.user.email, address);
  assert.deepEqual(decode(verified.session.access_token).amr.map((a) => a.method), ['otp']);
  const { error: again } = await sb.client().auth.verifyOtp({ token_hash: data.properties.hashed_token, type: 'magiclink' });
  assert.equal(again.status, 403);
  assert.equal(again.code, 'otp_expired');
});

test('updateUser cannot change app_metadata (403 not_admin, nothing written); admin.updateUserById can', async () => {
  const { client, user } = await userWithSession();
  const { error } = await client.auth.updateUser({ data: { theme: 'dark' }, app_metadata: { role: 'admin' } });
  assert.equal(error.status, 403);
  assert.equal(error.code, 'not_admin');
  assert.equal(error.message, 'Updating app_metadata requires admin privileges');
  const { rows } = await sb.sql('select raw_user_meta_data, raw_app_meta_data from auth.users where id = $1', [user.id]);
  assert.equal(rows[0].raw_user_meta_data.theme, undefined);
  assert.equal(rows[0].raw_app_meta_data.role, undefined);
  const { data: updated } = await admin.auth.admin.updateUserById(user.id, { app_metadata: { role: 'editor' } });
  assert.equal(updated.user.app_metadata.role, 'editor');
  assert.equal(updated.user.app_metadata.provider, 'email');
});

test('raw HTTP: malformed, non-object and oversized bodies are bad_json / request_entity_too_large and write nothing', async () => {
  const before = (await sb.sql('select count(*)::int as n from auth.users')).rows[0].n;
  const cases = [
    ['/signup', '{"email": "x@example.com", "password": ', 400, 'bad_json'],
    ['/signup', '["not", "an", "object"]', 400, 'bad_json'],
    ['/token?grant_type=password', '{"email": "x@example.com", "password": "password123"', 400, 'bad_json'],
    ['/signup', JSON.stringify({ email: 'big@example.com', password: 'password123', data: { blob: 'x'.repeat(1_100_000) } }), 413, 'request_entity_too_large'],
  ];
  for (const [path, body, status, code] of cases) {
    const res = await raw(path, { body, headers: { 'x-supabase-api-version': '2024-01-01' } });
    assert.equal(res.status, status, `${path} ${body.slice(0, 30)}`);
    assert.equal(res.body.code, code);
    assert.equal(res.headers.get('x-sb-error-code'), code);
  }
  assert.equal((await sb.sql('select count(*)::int as n from auth.users')).rows[0].n, before);
});

test('raw HTTP: unknown grant_type, refresh without a token (OAuth shape), unknown PKCE code', async () => {
  const unknown = await raw('/token?grant_type=magic', { body: {} });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error_code, 'invalid_credentials');
  assert.equal(unknown.body.msg, 'unsupported_grant_type');

  const noToken = await raw('/token?grant_type=refresh_token', { body: {} });
  assert.equal(noToken.status, 400);
  assert.equal(noToken.body.error, 'invalid_request');
  assert.equal(typeof noToken.body.error_description, 'string');

  const pkce = await raw('/token?grant_type=pkce', { body: { auth_code: '5f3d0a4e-1111-4222-8333-444455556666', code_verifier: 'v'.repeat(43) } });
  assert.equal(pkce.status, 404);
  assert.equal(pkce.body.error_code, 'flow_state_not_found');
});

test('raw HTTP: forged, alg:none, expired and missing JWTs on GET /user', async () => {
  const { user } = await userWithSession();
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user.id, role: 'authenticated', aud: 'authenticated', iat: now };
  const forged = await new SignJWT({ ...claims, exp: now + 600 }).setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('not-the-project-secret-but-long-enough-123'));
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now + 600 })}.`;
  const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(sb.jwtSecret));
  for (const token of [forged, none, expired, 'not-a-jwt']) {
    const res = await raw('/user', { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 403, token.slice(0, 20));
    assert.equal(res.body.error_code, 'bad_jwt');
  }
  const missing = await raw('/user', { method: 'GET' });
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error_code, 'no_authorization');
});

test('raw HTTP: SQL-looking input is data: credentials fail normally, metadata is stored verbatim', async () => {
  const nasty = "x'); DELETE FROM auth.users; --";
  const signIn = await raw('/token?grant_type=password', { body: { email: `${nasty}@example.com`, password: nasty } });
  assert.equal(signIn.status, 400);
  assert.equal(signIn.body.error_code, 'invalid_credentials');
  const { data } = await sb.client().auth.signUp({ email: email(), password: 'password123', options: { data: { bio: nasty } } });
  const { rows } = await sb.sql("select raw_user_meta_data->>'bio' as bio, (select count(*)::int from auth.users) as n from auth.users where id = $1", [data.user.id]);
  assert.equal(rows[0].bio, nasty);
  assert.ok(rows[0].n >= 1);
});

test('listUsers paging: perPage limits the page, a page past the end is empty', async () => {
  for (let i = 0; i < 3; i++) await admin.auth.admin.createUser({ email: email(), password: 'password123' });
  const { data: page1, error } = await admin.auth.admin.listUsers({ page: 1, perPage: 2 });
  assert.equal(error, null);
  assert.equal(page1.users.length, 2);
  assert.ok(page1.total >= 3);
  assert.ok(page1.lastPage >= 2);
  assert.equal(page1.nextPage, 2);
  const { data: far } = await admin.auth.admin.listUsers({ page: 1000, perPage: 2 });
  assert.deepEqual(far.users, []);
});

test('raw HTTP: admin endpoints need a service_role JWT (403 not_admin with a user token)', async () => {
  const { session } = await userWithSession();
  const res = await raw('/admin/users', { method: 'GET', headers: { authorization: `Bearer ${session.access_token}` } });
  assert.equal(res.status, 403);
  assert.equal(res.body.error_code, 'not_admin');
});

test('anonymous sign-ins are off by default (the CLI default): anonymous_provider_disabled, nothing written', async () => {
  const before = (await sb.sql('select count(*)::int as n from auth.users')).rows[0].n;
  const { data, error } = await sb.client().auth.signInAnonymously();
  assert.equal(data.session, null);
  assert.equal(error.status, 422);
  assert.equal(error.code, 'anonymous_provider_disabled');
  assert.equal((await sb.sql('select count(*)::int as n from auth.users')).rows[0].n, before);
});
