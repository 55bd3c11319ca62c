// Resumable uploads at /storage/v1/upload/resumable through tus-js-client, configured as Supabase's docs show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let admin;
let endpoint;
const userId = randomUUID();
let userToken;

before(async () => {
  sb = await startSupacs();
  admin = sb.client(sb.serviceRoleKey);
  endpoint = `${sb.url}/storage/v1/upload/resumable`;
  await admin.storage.createBucket('videos');
  await admin.storage.createBucket('tiny', { fileSizeLimit: 100 });
  await sb.sql(`
    create policy "own folder insert" on storage.objects for insert to authenticated
      with check (bucket_id = 'videos' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "own folder select" on storage.objects for select to authenticated
      using (bucket_id = 'videos' and auth.uid()::text = (storage.foldername(name))[1]);
  `);
  userToken = await sb.tokenFor(userId);
});
after(async () => { await sb?.stop(); });

function upload(data, { token, objectName, bucketName = 'videos', chunkSize = 6 * 1024 * 1024, uploadUrl, onChunk, upsert = false }) {
  return new Promise((resolve, reject) => {
    const u = new tus.Upload(data, {
      endpoint,
      uploadUrl,
      retryDelays: [],
      headers: { authorization: `Bearer ${token}`, 'x-upsert': String(upsert) },
      uploadDataDuringCreation: true,
      removeFingerprintOnSuccess: true,
      metadata: { bucketName, objectName, contentType: 'application/octet-stream', cacheControl: '3600', metadata: JSON.stringify({ via: 'tus' }) },
      chunkSize,
      onError: reject,
      onChunkComplete: (size, sent, total) => onChunk?.(u, sent, total),
      onSuccess: () => resolve(u),
    });
    u.start();
  });
}

test('a multi-chunk upload becomes an object with its metadata', async () => {
  const data = randomBytes(300_000);
  const u = await upload(data, { token: sb.serviceRoleKey, objectName: 'big/file.bin', chunkSize: 100_000 });
  assert.match(u.url, new RegExp(`^${endpoint}/[A-Za-z0-9_-]+$`));
  const dl = await admin.storage.from('videos').download('big/file.bin');
  assert.equal(dl.error, null);
  assert.ok(Buffer.from(await dl.data.arrayBuffer()).equals(data));
  const info = await admin.storage.from('videos').info('big/file.bin');
  assert.equal(info.data.size, 300_000);
  assert.equal(info.data.cacheControl, 'max-age=3600');
  assert.deepEqual(info.data.metadata, { via: 'tus' });
});

test('an interrupted upload resumes from the server offset; nothing is visible before completion', async () => {
  const data = randomBytes(250_000);
  const url = await new Promise((resolve, reject) => {
    const u = new tus.Upload(data, {
      endpoint,
      retryDelays: [],
      headers: { authorization: `Bearer ${sb.serviceRoleKey}` },
      uploadDataDuringCreation: true,
      metadata: { bucketName: 'videos', objectName: 'resume/part.bin' },
      chunkSize: 100_000,
      onError: reject,
      onChunkComplete: (size, sent) => { if (sent === 100_000) u.abort().then(() => resolve(u.url)); },
      onSuccess: () => reject(new Error('completed unexpectedly')),
    });
    u.start();
  });
  const head = await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${sb.serviceRoleKey}`, 'tus-resumable': '1.0.0' } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('upload-offset'), '100000');
  assert.equal(head.headers.get('upload-length'), '250000');
  const { rows } = await sb.sql("select count(*)::int as n from storage.objects where name = 'resume/part.bin'");
  assert.equal(rows[0].n, 0);

  await upload(data, { token: sb.serviceRoleKey, objectName: 'resume/part.bin', chunkSize: 100_000, uploadUrl: url });
  const dl = await admin.storage.from('videos').download('resume/part.bin');
  assert.ok(Buffer.from(await dl.data.arrayBuffer()).equals(data));
});

test('RLS decides: a user uploads into their own folder and is refused elsewhere', async () => {
  await upload(Buffer.from('mine'), { token: userToken, objectName: `${userId}/clip.bin` });
  const { rows } = await sb.sql('select owner_id from storage.objects where name = $1', [`${userId}/clip.bin`]);
  assert.equal(rows[0].owner_id, userId);
  const err = await upload(Buffer.from('theirs'), { token: userToken, objectName: 'someone-else/clip.bin' }).then(() => null, (e) => e);
  assert.ok(err);
  assert.equal(err.originalResponse.getStatus(), 403);
  assert.match(err.originalResponse.getBody(), /row-level security/);
});

test('bucket size limit and duplicates are enforced at creation', async () => {
  const big = await upload(randomBytes(101), { token: sb.serviceRoleKey, objectName: 'x.bin', bucketName: 'tiny' }).then(() => null, (e) => e);
  assert.equal(big.originalResponse.getStatus(), 413);
  await upload(Buffer.from('1'), { token: sb.serviceRoleKey, objectName: 'dup.bin' });
  const dup = await upload(Buffer.from('2'), { token: sb.serviceRoleKey, objectName: 'dup.bin' }).then(() => null, (e) => e);
  assert.equal(dup.originalResponse.getStatus(), 409);
  await upload(Buffer.from('3'), { token: sb.serviceRoleKey, objectName: 'dup.bin', upsert: true });
  assert.equal(await (await admin.storage.from('videos').download('dup.bin')).data.text(), '3');
});

test('raw protocol: wrong offset 409, termination, OPTIONS', async () => {
  const auth = { authorization: `Bearer ${sb.serviceRoleKey}`, 'tus-resumable': '1.0.0' };
  const meta = `bucketName ${Buffer.from('videos').toString('base64')},objectName ${Buffer.from('raw.bin').toString('base64')}`;
  const created = await fetch(endpoint, { method: 'POST', headers: { ...auth, 'upload-length': '10', 'upload-metadata': meta } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('tus-resumable'), '1.0.0');
  const url = created.headers.get('location');
  const wrong = await fetch(url, { method: 'PATCH', headers: { ...auth, 'upload-offset': '5', 'content-type': 'application/offset+octet-stream' }, body: 'abc' });
  assert.equal(wrong.status, 409);
  const ok = await fetch(url, { method: 'PATCH', headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: 'abc' });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('upload-offset'), '3');
  const del = await fetch(url, { method: 'DELETE', headers: auth });
  assert.equal(del.status, 204);
  const gone = await fetch(url, { method: 'HEAD', headers: auth });
  assert.equal(gone.status, 404);
  const opts = await fetch(endpoint, { method: 'OPTIONS' });
  assert.ok([200, 204].includes(opts.status));
});

test('signed variant: x-signature from createSignedUploadUrl', async () => {
  const signed = await admin.storage.from('videos').createSignedUploadUrl('signed/tus.bin');
  const data = Buffer.from('signed tus');
  const u = await new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${endpoint}/sign`,
      retryDelays: [],
      headers: { 'x-signature': signed.data.token },
      uploadDataDuringCreation: true,
      metadata: { bucketName: 'videos', objectName: 'signed/tus.bin', contentType: 'text/plain' },
      onError: reject,
      onSuccess: () => resolve(up),
    });
    up.start();
  });
  assert.ok(u.url.includes('/upload/resumable/sign/'));
  assert.equal(await (await admin.storage.from('videos').download('signed/tus.bin')).data.text(), 'signed tus');
});

test('uploadLengthDeferred: tus-js-client declares the length with the last chunk', async () => {
  const data = randomBytes(250_000);
  const { Readable } = await import('node:stream');
  await new Promise((resolve, reject) => {
    const u = new tus.Upload(Readable.from([data.subarray(0, 120_000), data.subarray(120_000)]), {
      endpoint,
      retryDelays: [],
      headers: { authorization: `Bearer ${sb.serviceRoleKey}` },
      uploadLengthDeferred: true,
      chunkSize: 100_000,
      metadata: { bucketName: 'videos', objectName: 'deferred/stream.bin', contentType: 'application/octet-stream' },
      onError: reject,
      onSuccess: resolve,
    });
    u.start();
  });
  const { data: blob, error } = await admin.storage.from('videos').download('deferred/stream.bin');
  assert.equal(error, null);
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(data));
});
