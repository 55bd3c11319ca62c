// Raw HTTP details storage-js hides: error envelope, Range/206, conditional 304, HEAD, download disposition.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let base;
let auth;
before(async () => {
  sb = await startSupacs();
  base = `${sb.url}/storage/v1`;
  auth = { Authorization: `Bearer ${sb.serviceRoleKey}`, apikey: sb.serviceRoleKey };
  const admin = sb.client(sb.serviceRoleKey);
  await admin.storage.createBucket('raw');
  await admin.storage.from('raw').upload('digits.txt', Buffer.from('0123456789'), { contentType: 'text/plain' });
});
after(async () => { await sb?.stop(); });

test('error envelope: HTTP 400 with the semantic status as a string', async () => {
  const res = await fetch(`${base}/object/raw/nope.txt`, { headers: auth });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { statusCode: '404', code: 'NoSuchKey', error: 'not_found', message: 'Object not found' });

  const bucket = await fetch(`${base}/bucket/nope`, { headers: auth });
  assert.deepEqual(await bucket.json(), { statusCode: '404', code: 'NoSuchBucket', error: 'Bucket not found', message: 'Bucket not found' });

  const badKey = await fetch(`${base}/object/raw/caf%C3%A9.txt`, { method: 'POST', headers: auth, body: 'x' });
  assert.equal(badKey.status, 400);
  assert.equal((await badKey.json()).code, 'InvalidKey');

  const badJwt = await fetch(`${base}/bucket`, { headers: { Authorization: 'Bearer nope' } });
  assert.equal(badJwt.status, 400);
  assert.equal((await badJwt.json()).statusCode, '403');
});

test('Range gives 206 with Content-Range; unsatisfiable gives 416', async () => {
  const res = await fetch(`${base}/object/raw/digits.txt`, { headers: { ...auth, Range: 'bytes=3-5' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), 'bytes 3-5/10');
  assert.equal(await res.text(), '345');
  const tail = await fetch(`${base}/object/raw/digits.txt`, { headers: { ...auth, Range: 'bytes=-2' } });
  assert.equal(await tail.text(), '89');
  const bad = await fetch(`${base}/object/raw/digits.txt`, { headers: { ...auth, Range: 'bytes=50-' } });
  assert.equal(bad.status, 416);
});

test('ETag and Last-Modified give 304 on revalidation; HEAD has headers only', async () => {
  const res = await fetch(`${base}/object/raw/digits.txt`, { headers: auth });
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('cache-control'), 'max-age=3600');
  const cached = await fetch(`${base}/object/raw/digits.txt`, { headers: { ...auth, 'If-None-Match': etag } });
  assert.equal(cached.status, 304);
  const since = await fetch(`${base}/object/raw/digits.txt`, { headers: { ...auth, 'If-Modified-Since': res.headers.get('last-modified') } });
  assert.equal(since.status, 304);
  const head = await fetch(`${base}/object/raw/digits.txt`, { method: 'HEAD', headers: auth });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '10');
  assert.equal(head.headers.get('etag'), etag);
});

test('?download sets Content-Disposition', async () => {
  const plain = await fetch(`${base}/object/raw/digits.txt?download`, { headers: auth });
  assert.equal(plain.headers.get('content-disposition'), 'attachment;');
  const named = await fetch(`${base}/object/raw/digits.txt?download=n%C3%BAmeros.txt`, { headers: auth });
  assert.equal(named.headers.get('content-disposition'), "attachment; filename=n%C3%BAmeros.txt; filename*=UTF-8''n%C3%BAmeros.txt");
});

test('a truncated upload leaves no row and no file', async () => {
  const { Socket } = await import('node:net');
  const sock = new Socket();
  await new Promise((ok) => sock.connect(sb.port, '127.0.0.1', ok));
  sock.write(`POST /storage/v1/object/raw/half.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sb.serviceRoleKey}\r\n` +
    'Content-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n');
  sock.write(Buffer.alloc(500_000));
  await new Promise((r) => setTimeout(r, 200));
  sock.destroy();
  await new Promise((r) => setTimeout(r, 500));
  const { rows } = await sb.sql("select count(*)::int as n from storage.objects where name = 'half.bin'");
  assert.equal(rows[0].n, 0);
  const { readdirSync, existsSync } = await import('node:fs');
  const tmp = `${sb.dataDir}/storage/tmp`;
  assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], []);
  assert.equal(existsSync(`${sb.dataDir}/storage/stub/stub/raw/half.bin`), false);
});
