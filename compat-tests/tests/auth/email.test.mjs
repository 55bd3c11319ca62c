// Email flows through supabase-js with a real SMTP server (smtp-server) receiving what supacs sends (MailKit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { startSupacs, freePort, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let smtp;
const inbox = [];
const waiters = [];

before(async () => {
  const port = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 'secret') cb(null, { user: 'mailer' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then((mail) => {
        inbox.push(mail);
        for (const w of waiters.splice(0)) w();
        cb();
      }, cb);
    },
  });
  await new Promise((ok) => smtp.listen(port, '127.0.0.1', ok));
  sb = await startSupacs({ projectDir: join(fixturesDir, 'auth', 'email'), env: { SMTP_TEST_PORT: String(port) } });
});
after(async () => {
  await sb?.stop();
  await new Promise((ok) => smtp.close(ok));
});

const email = () => `u${Math.random().toString(36).slice(2, 10)}@example.com`;

/** The next mail to `to`, waiting up to 10 s. */
async function mailTo(to) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const i = inbox.findIndex((m) => m.to.value.some((a) => a.address === to));
    if (i >= 0) return inbox.splice(i, 1)[0];
    if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
    await new Promise((ok) => { waiters.push(ok); setTimeout(ok, 200); });
  }
}
const linkOf = (mail) => mail.html.match(/href="([^"]+)"/)[1].replaceAll('&amp;', '&');
const codeOf = (mail) => mail.html.match(/code:? (\d{6})/)[1];

test('signUp sends a confirmation; the emailed link confirms and redirects with a session', async () => {
  const address = email();
  const supabase = sb.client();
  const { data, error } = await supabase.auth.signUp({ email: address, password: 'password123', options: { emailRedirectTo: 'https://app.example.com/welcome' } });
  assert.equal(error, null);
  assert.equal(data.session, null);
  assert.equal(data.user.email, address);
  assert.ok(data.user.confirmation_sent_at);

  const notYet = await sb.client().auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(notYet.error.code, 'email_not_confirmed');

  const mail = await mailTo(address);
  assert.equal(mail.subject, 'Confirm Your Signup');
  assert.equal(mail.from.value[0].address, 'auth@example.com');
  assert.equal(mail.from.value[0].name, 'Example App');
  const res = await fetch(linkOf(mail), { redirect: 'manual' });
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get('location'));
  assert.equal(location.origin + location.pathname, 'https://app.example.com/welcome');
  const fragment = new URLSearchParams(location.hash.slice(1));
  assert.equal(fragment.get('type'), 'signup');
  assert.equal(fragment.get('token_type'), 'bearer');
  const { data: me } = await sb.client().auth.getUser(fragment.get('access_token'));
  assert.equal(me.user.email, address);
  assert.ok(me.user.email_confirmed_at);
  assert.equal((await sb.client().auth.signInWithPassword({ email: address, password: 'password123' })).error, null);

  const again = await fetch(linkOf(mail), { redirect: 'manual' });
  const params = new URLSearchParams(new URL(again.headers.get('location')).hash.slice(1));
  assert.equal(params.get('error'), 'access_denied');
  assert.equal(params.get('error_code'), 'otp_expired');
});

test('a redirect_to outside the allow list falls back to the site URL', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123', options: { emailRedirectTo: 'https://evil.example.net/steal' } });
  const res = await fetch(linkOf(await mailTo(address)), { redirect: 'manual' });
  assert.ok(res.headers.get('location').startsWith('http://localhost:3000#access_token='));
});

test('signUp of a confirmed address answers a fake user and sends nothing', async () => {
  const address = email();
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const { data: real } = await admin.createUser({ email: address, password: 'password123', email_confirm: true });
  const { data, error } = await sb.client().auth.signUp({ email: address, password: 'password123' });
  assert.equal(error, null);
  assert.notEqual(data.user.id, real.user.id);
  assert.deepEqual(data.user.identities, []);
});

test('resend within max_frequency is over_email_send_rate_limit, later it sends again', async () => {
  const address = email();
  await sb.client().auth.signUp({ email: address, password: 'password123' });
  await mailTo(address);
  const { error } = await sb.client().auth.resend({ type: 'signup', email: address });
  assert.equal(error.status, 429);
  assert.equal(error.code, 'over_email_send_rate_limit');
  await new Promise((ok) => setTimeout(ok, 1100));
  assert.equal((await sb.client().auth.resend({ type: 'signup', email: address })).error, null);
  const mail = await mailTo(address);
  const { data, error: e2 } = await sb.client().auth.verifyOtp({ email: address, token: codeOf(mail), type: 'signup' });
  assert.equal(e2, null);
  assert.equal(data.user.email, address);
});

test('signInWithOtp + verifyOtp with the emailed code', async () => {
  const address = email();
  await sb.client(sb.serviceRoleKey).auth.admin.createUser({ email: address, email_confirm: true });
  const supabase = sb.client();
  const { error } = await supabase.auth.signInWithOtp({ email: address });
  assert.equal(error, null);
  const mail = await mailTo(address);
  assert.equal(mail.subject, 'Your Magic Link');
  const wrong = await supabase.auth.verifyOtp({ email: address, token: codeOf(mail) === '000000' ? '111111' : '000000', type: 'email' });
  assert.equal(wrong.error.code, 'otp_expired');
  const { data, error: e2 } = await supabase.auth.verifyOtp({ email: address, token: codeOf(mail), type: 'email' });
  assert.equal(e2, null);
  assert.equal(data.session.user.email, address);
  assert.deepEqual(JSON.parse(Buffer.from(data.session.access_token.split('.')[1], 'base64url')).amr.map((a) => a.method), ['otp']);
  const replay = await sb.client().auth.verifyOtp({ email: address, token: codeOf(mail), type: 'email' });
  assert.equal(replay.error.code, 'otp_expired');
});

test('signInWithOtp with shouldCreateUser false refuses unknown addresses', async () => {
  const { error } = await sb.client().auth.signInWithOtp({ email: email(), options: { shouldCreateUser: false } });
  assert.equal(error.status, 422);
  assert.equal(error.code, 'otp_disabled');
});

test('PKCE magic link: the link redirects with ?code= and exchangeCodeForSession signs in', async () => {
  const address = email();
  await sb.client(sb.serviceRoleKey).auth.admin.createUser({ email: address, email_confirm: true });
  const storage = new Map();
  const supabase = sb.client();
  const pkce = (await import('@supabase/supabase-js')).createClient(sb.url, sb.anonKey, {
    auth: {
      flowType: 'pkce', persistSession: true, autoRefreshToken: false, detectSessionInUrl: false,
      storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v), removeItem: (k) => storage.delete(k) },
    },
  });
  void supabase;
  const { error } = await pkce.auth.signInWithOtp({ email: address, options: { emailRedirectTo: 'http://localhost:3000/auth/callback' } });
  assert.equal(error, null);
  const link = linkOf(await mailTo(address));
  assert.match(link, /token=pkce_[0-9a-f]{56}/);
  const res = await fetch(link, { redirect: 'manual' });
  const location = new URL(res.headers.get('location'));
  assert.equal(location.pathname, '/auth/callback');
  const code = location.searchParams.get('code');
  assert.ok(code);
  const { data, error: e2 } = await pkce.auth.exchangeCodeForSession(code);
  assert.equal(e2, null);
  assert.equal(data.user.email, address);
  assert.equal((await pkce.auth.getUser()).data.user.email, address);
});

test('resetPasswordForEmail: always {}, the recovery link leads to updateUser', async () => {
  const address = email();
  await sb.client(sb.serviceRoleKey).auth.admin.createUser({ email: address, password: 'password123', email_confirm: true });
  const unknown = await sb.client().auth.resetPasswordForEmail(email());
  assert.equal(unknown.error, null);
  const { error } = await sb.client().auth.resetPasswordForEmail(address, { redirectTo: 'https://app.example.com/reset' });
  assert.equal(error, null);
  const mail = await mailTo(address);
  assert.equal(mail.subject, 'Reset Your Password');
  const tokenHash = new URL(linkOf(mail)).searchParams.get('token');
  const supabase = sb.client();
  const { data, error: e2 } = await supabase.auth.verifyOtp({ token_hash: tokenHash, type: 'recovery' });
  assert.equal(e2, null);
  assert.ok(data.session);
  assert.equal((await supabase.auth.updateUser({ password: 'recovered-pass' })).error, null);
  assert.equal((await sb.client().auth.signInWithPassword({ email: address, password: 'recovered-pass' })).error, null);
});

test('admin.inviteUserByEmail uses the config.toml template; accepting the invite signs in', async () => {
  const address = email();
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  const { data, error } = await admin.inviteUserByEmail(address, { data: { team: 'blue' }, redirectTo: 'https://app.example.com/join' });
  assert.equal(error, null);
  assert.ok(data.user.invited_at);
  assert.equal(data.user.user_metadata.team, 'blue');
  const mail = await mailTo(address);
  assert.equal(mail.subject, 'Join the team');
  assert.match(mail.html, /You were invited to http:\/\/localhost:3000/);
  const res = await fetch(linkOf(mail), { redirect: 'manual' });
  const location = new URL(res.headers.get('location'));
  assert.equal(location.origin + location.pathname, 'https://app.example.com/join');
  assert.equal(new URLSearchParams(location.hash.slice(1)).get('type'), 'invite');
});

test('updateUser email with secure change needs both the new and the current address to confirm', async () => {
  const address = email();
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  await admin.createUser({ email: address, password: 'password123', email_confirm: true });
  const supabase = sb.client();
  await supabase.auth.signInWithPassword({ email: address, password: 'password123' });
  const newAddress = email();
  const { data, error } = await supabase.auth.updateUser({ email: newAddress });
  assert.equal(error, null);
  assert.equal(data.user.email, address);
  assert.equal(data.user.new_email, newAddress);
  const toNew = await mailTo(newAddress);
  const toCurrent = await mailTo(address);
  assert.equal(toNew.subject, 'Confirm Email Change');
  const first = await sb.client().auth.verifyOtp({ email: newAddress, token: codeOf(toNew), type: 'email_change' });
  assert.equal(first.error, null);
  assert.equal(first.data.session, null);
  const second = await sb.client().auth.verifyOtp({ email: address, token: codeOf(toCurrent), type: 'email_change' });
  assert.equal(second.error, null);
  assert.equal(second.data.user.email, newAddress);
});

test('admin.generateLink sends no mail and its magic link verifies', async () => {
  const address = email();
  const admin = sb.client(sb.serviceRoleKey).auth.admin;
  await admin.createUser({ email: address, email_confirm: true });
  const { data, error } = await admin.generateLink({ type: 'magiclink', email: address });
  assert.equal(error, null);
  const res = await fetch(data.properties.action_link, { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.ok(res.headers.get('location').includes('#access_token='));
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal(inbox.filter((m) => m.to.value.some((a) => a.address === address)).length, 0);
});

test('signUp with the PKCE flow: the confirmation link redirects with ?code= and exchangeCodeForSession signs in', async () => {
  const store = new Map();
  const { createClient } = await import('@supabase/supabase-js');
  const supabase = createClient(sb.url, sb.anonKey, {
    auth: {
      flowType: 'pkce', persistSession: true, autoRefreshToken: false, detectSessionInUrl: false,
      storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) },
    },
  });
  const address = email();
  const { data, error } = await supabase.auth.signUp({ email: address, password: 'password123', options: { emailRedirectTo: 'http://localhost:3000/auth/confirm' } });
  assert.equal(error, null);
  assert.equal(data.session, null);
  const link = linkOf(await mailTo(address));
  assert.match(link, /token=pkce_/);
  const location = new URL((await fetch(link, { redirect: 'manual' })).headers.get('location'));
  assert.equal(location.pathname, '/auth/confirm');
  const { data: session, error: e2 } = await supabase.auth.exchangeCodeForSession(location.searchParams.get('code'));
  assert.equal(e2, null);
  assert.equal(session.user.email, address);
  assert.ok(session.user.email_confirmed_at);
});

test('reauthenticate emails a nonce', async () => {
  const address = email();
  await sb.client(sb.serviceRoleKey).auth.admin.createUser({ email: address, password: 'password123', email_confirm: true });
  const supabase = sb.client();
  await supabase.auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal((await supabase.auth.reauthenticate()).error, null);
  const mail = await mailTo(address);
  assert.equal(mail.subject, 'Confirm reauthentication');
  assert.match(mail.html, /\d{6}/);
});
