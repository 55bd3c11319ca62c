// Phone auth through supabase-js with Twilio as the SMS provider: a local server speaks Twilio's Messages API
// (POST /2010-04-01/Accounts/{sid}/Messages.json, basic auth, form To/From/Body) and records the messages; the test
// reads the code from the SMS body, as a user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let twilio;
const messages = [];

before(async () => {
  twilio = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/2010-04-01/Accounts/ACtest/Messages.json' || auth !== 'ACtest:secret-token') {
        res.statusCode = 401;
        return res.end(JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
      }
      const form = Object.fromEntries(new URLSearchParams(body));
      if (form.To === '+15550009999') {
        res.statusCode = 400;
        return res.end(JSON.stringify({ code: 21408, message: 'Permission to send an SMS has not been enabled for the region', more_info: 'https://www.twilio.com/docs/errors/21408', status: 400 }));
      }
      const sid = `SM${messages.length.toString().padStart(32, '0')}`;
      messages.push({ ...form, sid });
      res.statusCode = 201;
      res.end(JSON.stringify({ sid, status: 'queued', to: form.To, from: form.From, body: form.Body, error_code: null, error_message: null }));
    });
  });
  await new Promise((ok) => twilio.listen(0, '127.0.0.1', ok));
  sb = await startSupacs({
    env: {
      GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
      GOTRUE_SMS_AUTOCONFIRM: 'false',
      GOTRUE_SMS_MAX_FREQUENCY: '0s',
      GOTRUE_SMS_PROVIDER: 'twilio',
      GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'ACtest',
      GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'secret-token',
      GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: 'MGservice',
      GOTRUE_SMS_TWILIO_API_BASE: `http://127.0.0.1:${twilio.address().port}`,
      GOTRUE_SMS_TEMPLATE: 'Your Supacs code is {{ .Code }}',
      GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true',
      GOTRUE_MFA_PHONE_VERIFY_ENABLED: 'true',
      GOTRUE_MFA_PHONE_MAX_FREQUENCY: '0s',
    },
  });
});
after(async () => {
  await sb?.stop();
  await new Promise((ok) => twilio?.close(ok));
});

const phone = () => `1555${Math.floor(1e6 + Math.random() * 8e6)}`;
const lastCodeTo = (number) => {
  const m = messages.filter((x) => x.To === `+${number}`).at(-1);
  assert.ok(m, `no SMS to +${number}`);
  return m.Body.match(/(\d{6})$/)[1];
};

test('SMS (Twilio): signInWithOtp({phone}) sends the code; verifyOtp signs in with a confirmed phone', async () => {
  const supabase = sb.client();
  const number = phone();
  const { data, error } = await supabase.auth.signInWithOtp({ phone: `+${number}` });
  assert.equal(error, null);
  assert.match(data.messageId, /^SM\d{32}$/);
  const sms = messages.at(-1);
  assert.equal(sms.To, `+${number}`);
  assert.equal(sms.From, 'MGservice');
  assert.equal(sms.Channel, 'sms');
  assert.match(sms.Body, /^Your Supacs code is \d{6}$/);

  const { error: wrong } = await supabase.auth.verifyOtp({ phone: `+${number}`, token: '000000', type: 'sms' });
  assert.equal(wrong.code, 'otp_expired');
  const { data: verified, error: e2 } = await supabase.auth.verifyOtp({ phone: `+${number}`, token: lastCodeTo(number), type: 'sms' });
  assert.equal(e2, null);
  assert.equal(verified.user.phone, number);
  assert.ok(verified.user.phone_confirmed_at);
  assert.deepEqual(JSON.parse(Buffer.from(verified.session.access_token.split('.')[1], 'base64url')).amr.map((a) => a.method), ['otp']);
});

test('SMS (Twilio): signUp({phone, password}) confirms through the SMS code; a Twilio error is sms_send_failed', async () => {
  const supabase = sb.client();
  const number = phone();
  const { data, error } = await supabase.auth.signUp({ phone: `+${number}`, password: 'password123' });
  assert.equal(error, null);
  assert.equal(data.session, null);
  const { error: notYet } = await supabase.auth.signInWithPassword({ phone: `+${number}`, password: 'password123' });
  assert.equal(notYet.code, 'phone_not_confirmed');
  const { error: e2 } = await supabase.auth.verifyOtp({ phone: `+${number}`, token: lastCodeTo(number), type: 'sms' });
  assert.equal(e2, null);
  const { data: signedIn, error: e3 } = await supabase.auth.signInWithPassword({ phone: `+${number}`, password: 'password123' });
  assert.equal(e3, null);
  assert.equal(signedIn.user.phone, number);

  const { error: failed } = await supabase.auth.signInWithOtp({ phone: '+15550009999' });
  // auth-js 2.119 turns every 5xx into AuthRetryableFetchError (message kept, code dropped); the code is on the wire.
  assert.equal(failed.name, 'AuthRetryableFetchError');
  assert.equal(failed.status, 500);
  assert.match(failed.message, /Permission to send an SMS has not been enabled/);
  const raw = await fetch(`${sb.url}/auth/v1/otp`, { method: 'POST', headers: { apikey: sb.anonKey, 'content-type': 'application/json' }, body: JSON.stringify({ phone: '+15550009999' }) });
  assert.equal(raw.status, 500);
  assert.equal(raw.headers.get('x-sb-error-code'), 'sms_send_failed');
  assert.equal((await raw.json()).error_code, 'sms_send_failed');
  const { rows } = await sb.sql("select count(*)::int as n from auth.users where phone = '15550009999'");
  assert.equal(rows[0].n, 0);
});

test('MFA phone: mfa.enroll({factorType: phone}), challenge sends the code by SMS, verify reaches aal2', async () => {
  const supabase = sb.client();
  const { data: signup } = await supabase.auth.signUp({ email: `mfa${Math.random().toString(36).slice(2, 9)}@example.com`, password: 'password123' });
  assert.ok(signup.session);
  const number = phone();
  const { data: factor, error } = await supabase.auth.mfa.enroll({ factorType: 'phone', phone: `+${number}`, friendlyName: 'work phone' });
  assert.equal(error, null);
  assert.equal(factor.type, 'phone');
  assert.equal(factor.phone, number);

  const { data: challenge, error: e2 } = await supabase.auth.mfa.challenge({ factorId: factor.id, channel: 'sms' });
  assert.equal(e2, null);
  assert.ok(challenge.expires_at > Date.now() / 1000);
  const { error: bad } = await supabase.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: '000000' });
  assert.equal(bad.code, 'mfa_verification_failed');
  const { data: verified, error: e3 } = await supabase.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: lastCodeTo(number) });
  assert.equal(e3, null);
  const claims = JSON.parse(Buffer.from(verified.access_token.split('.')[1], 'base64url'));
  assert.equal(claims.aal, 'aal2');
  assert.ok(claims.amr.some((a) => a.method === 'mfa/phone'));

  const { data: aal } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(aal.currentLevel, 'aal2');
  const { data: factors } = await supabase.auth.mfa.listFactors();
  assert.deepEqual(factors.phone.map((f) => f.id), [factor.id]);
});

test('MFA phone: enroll is refused with validation_failed for a malformed number', async () => {
  const supabase = sb.client();
  await supabase.auth.signUp({ email: `mfb${Math.random().toString(36).slice(2, 9)}@example.com`, password: 'password123' });
  const { error } = await supabase.auth.mfa.enroll({ factorType: 'phone', phone: 'not-a-phone' });
  assert.equal(error.status, 400);
  assert.equal(error.code, 'validation_failed');
});
