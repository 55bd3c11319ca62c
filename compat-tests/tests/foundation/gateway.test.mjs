// The gateway as supabase-js and browsers see it: /health, apikey checks, CORS, /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
before(async () => { sb = await startSupacs(); });
after(async () => { await sb?.stop(); });

test('/health answers 200 with every module ready', async () => {
  const res = await fetch(`${sb.url}/health`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  for (const m of ['auth', 'rest', 'realtime', 'storage', 'functions']) assert.equal(body.modules[m], 'ready', m);
});

test('a request without an apikey is refused like Supabase', async () => {
  const res = await fetch(`${sb.url}/rest/v1/todos`);
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    message: 'No API key found in request',
    hint: 'No `apikey` request header or url param was found.',
  });
});

test('the key check cannot be dodged with another spelling of the path', async () => {
  // Routing ignores case and dot segments resolve before routing: each of these lands on a keyed route.
  for (const path of ['/REST/v1/todos', '/Rest/V1/todos', '/x/../rest/v1/todos', '/AUTH/v1/admin/users', '/auth/v1/verify/../admin/users', '/auth/v1/VERIFY/../admin/users']) {
    const res = await fetch(`${sb.url}${path}`);
    assert.equal(res.status, 401, path);
    await res.body?.cancel();
  }
});

test('a wrong apikey is refused like Supabase', async () => {
  const res = await fetch(`${sb.url}/auth/v1/settings`, { headers: { apikey: 'not-a-key' } });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    message: 'Invalid API key',
    hint: 'Double check your Supabase `anon` or `service_role` API key.',
  });
});

test('a key signed with another secret is refused', async () => {
  const forged = sb.anonKey.slice(0, -4) + (sb.anonKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const res = await fetch(`${sb.url}/rest/v1/`, { headers: { apikey: forged } });
  assert.equal(res.status, 401);
});

test('the apikey query parameter is accepted (websocket style)', async () => {
  const res = await fetch(`${sb.url}/rest/v1/?apikey=${sb.anonKey}`);
  assert.notEqual(res.status, 401);
});

test('open routes need no apikey: auth verify, storage, functions', async () => {
  for (const path of ['/auth/v1/verify', '/storage/v1/bucket', '/functions/v1/hello']) {
    // verify answers with a redirect to the site URL: look at it rather than follow it.
    const res = await fetch(`${sb.url}${path}`, { redirect: 'manual' });
    assert.notEqual(res.status, 401, path);
    await res.body?.cancel();
  }
});

test('CORS preflight is answered for every module', async () => {
  for (const path of ['/rest/v1/todos', '/auth/v1/token', '/storage/v1/object/x', '/realtime/v1/api/broadcast', '/functions/v1/hello']) {
    const res = await fetch(`${sb.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,apikey,content-type,x-client-info',
      },
    });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
    assert.match(res.headers.get('access-control-allow-methods'), /POST/, path);
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization,apikey,content-type,x-client-info', path);
  }
});

test('real responses to a browser expose the headers supabase-js reads', async () => {
  const res = await fetch(`${sb.url}/rest/v1/todos`, { headers: { Origin: 'http://localhost:5173' } });
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('access-control-expose-headers'), /Content-Range/);
});

test('/metrics counts requests per module in Prometheus format', async () => {
  await fetch(`${sb.url}/rest/v1/todos`);
  const text = await (await fetch(`${sb.url}/metrics`)).text();
  assert.match(text, /# TYPE supacs_http_server_request_duration_seconds histogram/);
  assert.match(text, /supacs_http_server_request_duration_seconds_count\{module="rest",status_class="4xx"\} [1-9]/);
});
