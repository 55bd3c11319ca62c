// Auth through the real supabase-js (auth-js) against a default project (the CLI's defaults: autoconfirm on).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
before(async () => {
  sb = await startSupacs({
    env: {
      GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
      GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
      GOTRUE_SMS_AUTOCONFIRM: 'false',
      GOTRUE_SMS_MAX_FREQUENCY: '0s',
      GOTRUE_SMS_TEST_OTP: '15550101111:123456,15550102222:654321',
    },
  });
});
after(async () => { await sb?.stop(); });

const email = () => `u${Math.random().toString(36).slice(2, 10)}@example.com`;
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

test('signUp with autoconfirm returns a session and the user', async () => {
  const supabase = sb.client();
  const address = email();
  const { data, error } = await supabase.auth.signUp({ email: address, password: 'password123', options: { data: { full_name: 'Ann' } } });
  assert.equal(error, null);
  assert.ok(data.session.access_token);
  assert.equal(data.session.token_type, 'bearer');
  assert.equal(data.user.email, address);
  assert.equal(data.user.user_metadata.full_name, 'Ann');
  assert.equal(data.user.identities.length, 1);
  assert.equal(data.user.identities[0].provider, 'email');
  const claims = decode(data.session.access_token);
  assert.equal(claims.sub, data.user.id);
  assert.equal(claims.role, 'authenticated');
  assert.equal(claims.aud, 'authenticated');
  assert.equal(claims.aal, 'aal1');
  assert.equal(claims.email, address);
  assert.equal(claims.is_anonymous, false);
  assert.ok(claims.session_id);
  assert.deepEqual(claims.amr.map((a) => a.method), ['password']);
  const { rows } = await sb.sql('select count(*)::int as n from auth.users where email = $1', [address]);
  assert.equal(rows[0].n, 1);
});

test('signUp twice is user_already_exists (AuthApiError with code)', async () => {
  const supabase = sb.client();
  const address = email();
  await supabase.auth.signUp({ email: address, password: 'password123' });
  const { data, error } = await supabase.auth.signUp({ email: address, password: 'password123' });
  assert.equal(data.user, null);
  assert.equal(error.name, 'AuthApiError');
  assert.equal(error.status, 422);
  assert.equal(error.code, 'user_already_exists');
  assert.equal(error.message, 'User already registered');
});

test('a weak password is AuthWeakPasswordError with reasons', async () => {
  const { error } = await sb.client().auth.signUp({ email: email(), password: '123' });
  assert.equal(error.name, 'AuthWeakPasswordError');
  assert.equal(error.code, 'weak_password');
  assert.deepEqual(error.reasons, ['length']);
});

test('signInWithPassword, getUser, getSession, refreshSession, signOut', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  const supabase = sb.client();
  const { data, error } = await supabase.auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(error, null);
  assert.equal(data.user.email, address);
  const { data: session } = await supabase.auth.getSession();
  assert.equal(session.session.access_token, data.session.access_token);
  const { data: got, error: e2 } = await supabase.auth.getUser();
  assert.equal(e2, null);
  assert.equal(got.user.id, data.user.id);

  const { data: refreshed, error: e3 } = await supabase.auth.refreshSession();
  assert.equal(e3, null);
  assert.notEqual(refreshed.session.refresh_token, data.session.refresh_token);
  assert.equal(decode(refreshed.session.access_token).session_id, decode(data.session.access_token).session_id);

  const { error: e4 } = await supabase.auth.signOut();
  assert.equal(e4, null);
  // The old access token is dead once its session is gone.
  const { data: after, error: e5 } = await sb.client().auth.getUser(refreshed.session.access_token);
  assert.equal(after.user, null);
  // auth-js turns GoTrue's 403 session_not_found into AuthSessionMissingError.
  assert.equal(e5.name, 'AuthSessionMissingError');
});

test('wrong password and unknown user are the same invalid_credentials', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  for (const creds of [{ email: address, password: 'nope-nope' }, { email: email(), password: 'password123' }]) {
    const { data, error } = await sb.client().auth.signInWithPassword(creds);
    assert.equal(data.session, null);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_credentials');
    assert.equal(error.message, 'Invalid login credentials');
  }
});

test('updateUser merges metadata and changes the password', async () => {
  const address = email();
  const supabase = sb.client();
  await supabase.auth.signUp({ email: address, password: 'password123', options: { data: { a: 1, b: 2 } } });
  const { data, error } = await supabase.auth.updateUser({ data: { b: null, c: 3 } });
  assert.equal(error, null);
  assert.equal(data.user.user_metadata.a, 1);
  assert.equal('b' in data.user.user_metadata, false);
  assert.equal(data.user.user_metadata.c, 3);
  const same = await supabase.auth.updateUser({ password: 'password123' });
  assert.equal(same.error.code, 'same_password');
  const { error: e2 } = await supabase.auth.updateUser({ password: 'another-pass' });
  assert.equal(e2, null);
  const { error: e3 } = await sb.client().auth.signInWithPassword({ email: address, password: 'another-pass' });
  assert.equal(e3, null);
});

test('a reused refresh token outside the reuse interval ends the session', async () => {
  const supabase = sb.client();
  const { data } = await supabase.auth.signUp({ email: email(), password: 'password123' });
  const first = data.session.refresh_token;
  const r1 = await sb.client().auth.refreshSession({ refresh_token: first });
  assert.equal(r1.error, null);
  // Parent of the active token within the interval: the active token comes back.
  const r2 = await sb.client().auth.refreshSession({ refresh_token: first });
  assert.equal(r2.error, null);
  assert.equal(r2.data.session.refresh_token, r1.data.session.refresh_token);
  await sb.client().auth.refreshSession({ refresh_token: r1.data.session.refresh_token });
  await sb.sql("update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = $1", [first]);
  const r3 = await sb.client().auth.refreshSession({ refresh_token: first });
  assert.equal(r3.error.code, 'refresh_token_already_used');
  const { rows } = await sb.sql('select count(*)::int as n from auth.sessions where id = $1', [decode(data.session.access_token).session_id]);
  assert.equal(rows[0].n, 0);
});

test('signInAnonymously gives an anonymous session', async () => {
  const { data, error } = await sb.client().auth.signInAnonymously({ options: { data: { theme: 'dark' } } });
  assert.equal(error, null);
  assert.equal(data.user.is_anonymous, true);
  assert.equal(decode(data.session.access_token).is_anonymous, true);
  assert.equal(data.user.user_metadata.theme, 'dark');
});

test('signOut scopes: local keeps the other sessions, others keeps this one', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  const a = sb.client(); const b = sb.client(); const c = sb.client();
  for (const s of [a, b, c]) await s.auth.signInWithPassword({ email: address, password: 'password123' });
  const tokenOf = async (s) => (await s.auth.getSession()).data.session.access_token;
  const [ta, tb, tc] = [await tokenOf(a), await tokenOf(b), await tokenOf(c)];
  assert.equal((await a.auth.signOut({ scope: 'local' })).error, null);
  assert.equal((await sb.client().auth.getUser(ta)).error.name, 'AuthSessionMissingError');
  assert.equal((await sb.client().auth.getUser(tb)).error, null);
  assert.equal((await b.auth.signOut({ scope: 'others' })).error, null);
  assert.equal((await sb.client().auth.getUser(tb)).error, null);
  assert.equal((await sb.client().auth.getUser(tc)).error.name, 'AuthSessionMissingError');
});

test('admin: createUser, listUsers with paging, getUserById, updateUserById, deleteUser', async () => {
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const created = [];
  for (let i = 0; i < 3; i++) {
    const { data, error } = await admin.createUser({ email: email(), password: 'password123', email_confirm: true, user_metadata: { i }, app_metadata: { plan: 'pro' } });
    assert.equal(error, null);
    assert.equal(data.user.app_metadata.plan, 'pro');
    assert.ok(data.user.email_confirmed_at);
    created.push(data.user);
  }
  const { data: page, error } = await admin.listUsers({ page: 1, perPage: 2 });
  assert.equal(error, null);
  assert.equal(page.users.length, 2);
  assert.ok(page.total >= 3);
  assert.equal(page.nextPage, 2);
  assert.ok(page.lastPage >= 2);
  const { data: one } = await admin.getUserById(created[0].id);
  assert.equal(one.user.email, created[0].email);
  const { data: upd, error: e2 } = await admin.updateUserById(created[0].id, { user_metadata: { extra: true }, ban_duration: '1h' });
  assert.equal(e2, null);
  assert.equal(upd.user.user_metadata.extra, true);
  assert.ok(upd.user.banned_until);
  const banned = await sb.client().auth.signInWithPassword({ email: created[0].email, password: 'password123' });
  assert.equal(banned.error.code, 'user_banned');
  const { error: e3 } = await admin.deleteUser(created[1].id);
  assert.equal(e3, null);
  const gone = await admin.getUserById(created[1].id);
  assert.equal(gone.error.status, 404);
  assert.equal(gone.error.code, 'user_not_found');
});

test('admin API refuses the anon key', async () => {
  const { error } = await sb.client().auth.admin.listUsers();
  assert.equal(error.status, 403);
  assert.equal(error.code, 'not_admin');
});

test('admin.generateLink splits user and properties', async () => {
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const address = email();
  const { data, error } = await admin.generateLink({ type: 'signup', email: address, password: 'password123' });
  assert.equal(error, null);
  assert.equal(data.user.email, address);
  assert.equal(data.properties.verification_type, 'signup');
  assert.match(data.properties.email_otp, /^\d{6}$/);
  assert.match(data.properties.action_link, /\/auth\/v1\/verify\?token=[0-9a-f]{56}&type=signup/);
  // The OTP verifies through verifyOtp.
  const { data: v, error: e2 } = await sb.client().auth.verifyOtp({ email: address, token: data.properties.email_otp, type: 'signup' });
  assert.equal(e2, null);
  assert.equal(v.user.email, address);
  assert.ok(v.session.access_token);
});

test('raw HTTP: legacy error shape without the API version header, versioned with it', async () => {
  const headers = { apikey: sb.anonKey, 'content-type': 'application/json' };
  const legacy = await fetch(`${sb.url}/auth/v1/token?grant_type=password`, { method: 'POST', headers, body: JSON.stringify({ email: 'x@example.com', password: 'nope' }) });
  assert.equal(legacy.status, 400);
  assert.equal(legacy.headers.get('x-sb-error-code'), 'invalid_credentials');
  assert.deepEqual(await legacy.json(), { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
  const versioned = await fetch(`${sb.url}/auth/v1/token?grant_type=password`, {
    method: 'POST', headers: { ...headers, 'x-supabase-api-version': '2024-01-01' }, body: JSON.stringify({ email: 'x@example.com', password: 'nope' }),
  });
  assert.equal(versioned.headers.get('x-supabase-api-version'), '2024-01-01');
  assert.deepEqual(await versioned.json(), { code: 'invalid_credentials', message: 'Invalid login credentials' });
  const badJson = await fetch(`${sb.url}/auth/v1/signup`, { method: 'POST', headers, body: '{oops' });
  assert.equal(badJson.status, 400);
  assert.equal((await badJson.json()).error_code, 'bad_json');
});

test('raw HTTP: /health and /settings', async () => {
  const health = await (await fetch(`${sb.url}/auth/v1/health`, { headers: { apikey: sb.anonKey } })).json();
  assert.equal(health.name, 'GoTrue');
  const settings = await (await fetch(`${sb.url}/auth/v1/settings`, { headers: { apikey: sb.anonKey } })).json();
  assert.equal(settings.external.email, true);
  assert.equal(settings.external.anonymous_users, true);
  assert.equal(settings.mailer_autoconfirm, true);
});

test('handle_new_user trigger fires, and its failure message reaches the client', async () => {
  await sb.sql(`
    create table if not exists public.profiles (id uuid primary key references auth.users on delete cascade, full_name text);
    create or replace function public.handle_new_user() returns trigger language plpgsql security definer set search_path = '' as $$
    begin
      if new.raw_user_meta_data->>'full_name' = 'bad' then raise exception 'full_name "bad" is reserved'; end if;
      insert into public.profiles (id, full_name) values (new.id, new.raw_user_meta_data->>'full_name');
      return new;
    end $$;
    drop trigger if exists on_auth_user_created on auth.users;
    create trigger on_auth_user_created after insert on auth.users for each row execute function public.handle_new_user();`);
  try {
    const { data } = await sb.client().auth.signUp({ email: email(), password: 'password123', options: { data: { full_name: 'Zed' } } });
    const { rows } = await sb.sql('select full_name from public.profiles where id = $1', [data.user.id]);
    assert.equal(rows[0].full_name, 'Zed');
    const { error } = await sb.client().auth.signUp({ email: email(), password: 'password123', options: { data: { full_name: 'bad' } } });
    assert.equal(error.status, 500);
    assert.match(error.message, /full_name "bad" is reserved/);
  } finally {
    await sb.sql('drop trigger if exists on_auth_user_created on auth.users');
  }
});

/** RFC 6238 TOTP (SHA1, 6 digits, 30 s) from a base32 secret. */
async function totp(secret) {
  const { createHmac } = await import('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test('MFA TOTP: enroll, challengeAndVerify to aal2, listFactors, assurance level, unenroll', async () => {
  const supabase = sb.client();
  const { data: signed } = await supabase.auth.signUp({ email: email(), password: 'password123' });
  const sessionId = decode(signed.session.access_token).session_id;
  const { data: enrolled, error } = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'authenticator' });
  assert.equal(error, null);
  assert.equal(enrolled.type, 'totp');
  assert.match(enrolled.totp.qr_code, /^data:image\/svg\+xml;utf-8,<svg/);
  assert.match(enrolled.totp.uri, /^otpauth:\/\/totp\//);

  const before = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(before.data.currentLevel, 'aal1');

  const wrong = await supabase.auth.mfa.challengeAndVerify({ factorId: enrolled.id, code: '000000' === await totp(enrolled.totp.secret) ? '111111' : '000000' });
  assert.equal(wrong.error.code, 'mfa_verification_failed');
  const { data: verified, error: e2 } = await supabase.auth.mfa.challengeAndVerify({ factorId: enrolled.id, code: await totp(enrolled.totp.secret) });
  assert.equal(e2, null);
  const claims = decode(verified.access_token);
  assert.equal(claims.aal, 'aal2');
  assert.equal(claims.session_id, sessionId);
  assert.deepEqual(claims.amr.map((a) => a.method), ['totp', 'password']);

  const after = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(after.data.currentLevel, 'aal2');
  assert.equal(after.data.nextLevel, 'aal2');
  const { data: factors } = await supabase.auth.mfa.listFactors();
  assert.equal(factors.totp.length, 1);
  assert.equal(factors.totp[0].status, 'verified');

  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const listed = await admin.mfa.listFactors({ userId: signed.user.id });
  assert.equal(listed.data.factors.length, 1);

  const { error: e3 } = await supabase.auth.mfa.unenroll({ factorId: enrolled.id });
  assert.equal(e3, null);
  const { data: none } = await supabase.auth.mfa.listFactors();
  assert.equal(none.totp.length, 0);
});

test('raw HTTP: /.well-known/jwks.json is empty for HS256 and GET /user after logout is 403 session_not_found', async () => {
  const res = await fetch(`${sb.url}/auth/v1/.well-known/jwks.json`, { headers: { apikey: sb.anonKey } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { keys: [] });
  const { data } = await sb.client().auth.signUp({ email: email(), password: 'password123' });
  const headers = { apikey: sb.anonKey, authorization: `Bearer ${data.session.access_token}`, 'x-supabase-api-version': '2024-01-01' };
  assert.equal((await fetch(`${sb.url}/auth/v1/logout`, { method: 'POST', headers })).status, 204);
  const me = await fetch(`${sb.url}/auth/v1/user`, { headers });
  assert.equal(me.status, 403);
  assert.equal((await me.json()).code, 'session_not_found');
});

test('brute-forcing OTPs hits the per-client /verify limit (Sb-Forwarded-For)', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  const attempt = (ip, token) => fetch(`${sb.url}/auth/v1/verify`, {
    method: 'POST',
    headers: { apikey: sb.anonKey, 'content-type': 'application/json', 'sb-forwarded-for': ip, 'x-supabase-api-version': '2024-01-01' },
    body: JSON.stringify({ type: 'email', email: address, token }),
  });
  const statuses = [];
  for (let i = 0; i < 31; i++) statuses.push((await attempt('203.0.113.9', String(100000 + i))).status);
  assert.deepEqual(statuses.slice(0, 30), Array(30).fill(403));
  const limited = await attempt('203.0.113.9', '123456');
  assert.equal(limited.status, 429);
  assert.equal((await limited.json()).code, 'over_request_rate_limit');
  assert.equal((await attempt('198.51.100.2', '123456')).status, 403);
});

test('phone: signUp + verifyOtp(sms), signInWithOtp(phone) + verifyOtp with the test OTP', async () => {
  const supabase = sb.client();
  const { data, error } = await supabase.auth.signUp({ phone: '+15550101111', password: 'password123' });
  assert.equal(error, null);
  assert.equal(data.session, null);
  assert.equal(data.user.phone, '15550101111');
  const { data: v, error: e2 } = await supabase.auth.verifyOtp({ phone: '+15550101111', token: '123456', type: 'sms' });
  assert.equal(e2, null);
  assert.ok(v.user.phone_confirmed_at);
  assert.equal((await sb.client().auth.signInWithPassword({ phone: '+15550101111', password: 'password123' })).error, null);

  const other = sb.client();
  const { data: sent, error: e3 } = await other.auth.signInWithOtp({ phone: '+15550102222' });
  assert.equal(e3, null);
  assert.equal(sent.messageId, 'test-otp');
  const wrong = await other.auth.verifyOtp({ phone: '+15550102222', token: '000000', type: 'sms' });
  assert.equal(wrong.error.code, 'otp_expired');
  const { data: s2, error: e4 } = await other.auth.verifyOtp({ phone: '+15550102222', token: '654321', type: 'sms' });
  assert.equal(e4, null);
  assert.equal(s2.session.user.phone, '15550102222');
});

test('an anonymous user becomes permanent with updateUser({ email, password })', async () => {
  const supabase = sb.client();
  const { data: anon } = await supabase.auth.signInAnonymously();
  const address = email();
  const { data, error } = await supabase.auth.updateUser({ email: address });
  assert.equal(error, null);
  assert.equal(data.user.id, anon.user.id);
  assert.equal(data.user.email, address);
  assert.equal(data.user.is_anonymous, false);
  assert.equal((await supabase.auth.updateUser({ password: 'password123' })).error, null);
  const { data: signedIn, error: e2 } = await sb.client().auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(e2, null);
  assert.equal(signedIn.user.id, anon.user.id);
  assert.equal(JSON.parse(Buffer.from(signedIn.session.access_token.split('.')[1], 'base64url')).is_anonymous, false);
});

test('getClaims returns the verified claims of the current session', async () => {
  const supabase = sb.client();
  const { data: signed } = await supabase.auth.signUp({ email: email(), password: 'password123' });
  const { data, error } = await supabase.auth.getClaims();
  assert.equal(error, null);
  assert.equal(data.claims.sub, signed.user.id);
  assert.equal(data.claims.role, 'authenticated');
});

test('onAuthStateChange sees SIGNED_IN, TOKEN_REFRESHED and SIGNED_OUT', async () => {
  const supabase = sb.client();
  const events = [];
  const { data: sub } = supabase.auth.onAuthStateChange((event) => { events.push(event); });
  const address = email();
  await supabase.auth.signUp({ email: address, password: 'password123' });
  await supabase.auth.refreshSession();
  await supabase.auth.signOut();
  sub.subscription.unsubscribe();
  for (const e of ['SIGNED_IN', 'TOKEN_REFRESHED', 'SIGNED_OUT']) assert.ok(events.includes(e), `${e} in ${events}`);
});

test('setSession adopts tokens from elsewhere; a bad refresh token is refresh_token_not_found', async () => {
  const { data } = await sb.client().auth.signUp({ email: email(), password: 'password123' });
  const other = sb.client();
  const { data: set, error } = await other.auth.setSession({ access_token: data.session.access_token, refresh_token: data.session.refresh_token });
  assert.equal(error, null);
  assert.equal(set.user.id, data.user.id);
  const bad = await sb.client().auth.refreshSession({ refresh_token: 'notarealtoken' });
  assert.equal(bad.error.name, 'AuthApiError');
  assert.equal(bad.error.code, 'refresh_token_not_found');
});

test('raw HTTP: GET /verify with a bad token redirects to the site URL with an error fragment', async () => {
  const res = await fetch(`${sb.url}/auth/v1/verify?token=deadbeef&type=signup&redirect_to=http://127.0.0.1:3000/welcome`, { redirect: 'manual' });
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get('location'));
  assert.equal(location.origin + location.pathname, 'http://127.0.0.1:3000/welcome');
  const params = new URLSearchParams(location.hash.slice(1));
  assert.equal(params.get('error'), 'access_denied');
  assert.equal(params.get('error_code'), 'otp_expired');
  assert.ok(params.get('error_description'));
});

test('admin: updateUserById changes email and password; soft delete keeps the row', async () => {
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const { data: created } = await admin.createUser({ email: email(), password: 'password123', email_confirm: true });
  const newAddress = email();
  const { data, error } = await admin.updateUserById(created.user.id, { email: newAddress, password: 'changed-pass', app_metadata: { role: 'editor' } });
  assert.equal(error, null);
  assert.equal(data.user.email, newAddress);
  assert.equal(data.user.app_metadata.role, 'editor');
  const signed = await sb.client().auth.signInWithPassword({ email: newAddress, password: 'changed-pass' });
  assert.equal(signed.error, null);
  assert.equal(JSON.parse(Buffer.from(signed.data.session.access_token.split('.')[1], 'base64url')).app_metadata.role, 'editor');
  const { error: e2 } = await admin.deleteUser(created.user.id, true);
  assert.equal(e2, null);
  const { rows } = await sb.sql('select deleted_at is not null as gone, email from auth.users where id = $1', [created.user.id]);
  assert.equal(rows[0].gone, true);
  assert.equal(rows[0].email, null);
  assert.equal((await sb.client().auth.signInWithPassword({ email: newAddress, password: 'changed-pass' })).error.code, 'invalid_credentials');
});

test('without SMTP the email is not sent but its link and code are logged for the developer', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  assert.equal((await sb.client().auth.resetPasswordForEmail(address)).error, null);
  await new Promise((ok) => setTimeout(ok, 200));
  const line = sb.logs().split('\n').find((l) => l.includes(`email to ${address} not sent`));
  assert.ok(line, 'log line present');
  assert.match(line, /\/auth\/v1\/verify\?token=[0-9a-f]{56}&type=recovery/);
  assert.match(line, /code \d{6}/);
});
