// The S3 backend: a supacs whose blobs live in S3 (STORAGE_BACKEND=s3 + GLOBAL_S3_* as Supabase Storage reads them),
// the S3 server being a second, file-backed supacs's /storage/v1/s3. Driven through supabase-js, raw HTTP and tus-js-client;
// every check looks at both sides: the object rows here and the blobs in the peer's backing bucket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { readdirSync, existsSync } from 'node:fs';
import * as tus from 'tus-js-client';
import { startSupacs } from '../../lib/supacs.mjs';

const accessKeyId = 'b1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
const secretAccessKey = 'e'.repeat(64);
let peer;
let sb;
let admin;

before(async () => {
  peer = await startSupacs({ env: { S3_PROTOCOL_ACCESS_KEY_ID: accessKeyId, S3_PROTOCOL_ACCESS_KEY_SECRET: secretAccessKey } });
  await peer.sql("insert into storage.buckets (id, name) values ('backing', 'backing')");
  sb = await startSupacs({
    env: {
      STORAGE_BACKEND: 's3',
      GLOBAL_S3_BUCKET: 'backing',
      GLOBAL_S3_ENDPOINT: `${peer.url}/storage/v1/s3`,
      GLOBAL_S3_FORCE_PATH_STYLE: 'true',
      REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
  });
  admin = sb.client(sb.serviceRoleKey);
  const { error } = await admin.storage.createBucket('docs');
  assert.equal(error, null);
});
after(async () => { await sb?.stop(); await peer?.stop(); });

async function peerKeys(like) {
  const { rows } = await peer.sql("select name from storage.objects where bucket_id = 'backing' and name like $1 order by name", [like]);
  return rows.map((r) => r.name);
}

async function version(name) {
  const { rows } = await sb.sql('select version from storage.objects where name = $1', [name]);
  return rows[0]?.version;
}

test('upload, download, range and list through supabase-js with blobs in S3', async () => {
  const { error } = await admin.storage.from('docs').upload('notes/hello.txt', new Blob(['hello s3 backend'], { type: 'text/plain' }));
  assert.equal(error, null);
  assert.deepEqual(await peerKeys('stub/docs/notes/hello.txt/%'), [`stub/docs/notes/hello.txt/${await version('notes/hello.txt')}`]);
  assert.deepEqual(existsSync(`${sb.dataDir}/storage/stub/stub/docs`) ? readdirSync(`${sb.dataDir}/storage/stub/stub/docs`) : [], []);

  const { data, error: dlError } = await admin.storage.from('docs').download('notes/hello.txt');
  assert.equal(dlError, null);
  assert.equal(await data.text(), 'hello s3 backend');

  const res = await fetch(`${sb.url}/storage/v1/object/docs/notes/hello.txt`, { headers: { authorization: `Bearer ${sb.serviceRoleKey}`, range: 'bytes=6-7' } });
  assert.equal(res.status, 206);
  assert.equal(await res.text(), 's3');
  assert.equal(res.headers.get('content-range'), 'bytes 6-7/16');
  assert.equal(res.headers.get('etag'), `"${createHash('md5').update('hello s3 backend').digest('hex')}"`);

  const { data: list } = await admin.storage.from('docs').list('notes');
  assert.deepEqual(list.map((o) => o.name), ['hello.txt']);
});

test('a 12 MB upload goes up in parts and downloads byte for byte', async () => {
  const big = randomBytes(12 * 1024 * 1024);
  const { error } = await admin.storage.from('docs').upload('big.bin', big, { contentType: 'application/octet-stream' });
  assert.equal(error, null);
  const { rows } = await sb.sql("select metadata->>'eTag' as etag, (metadata->>'size')::bigint as size from storage.objects where name = 'big.bin'");
  assert.match(rows[0].etag, /-3"$/);
  assert.equal(Number(rows[0].size), big.length);
  const { data } = await admin.storage.from('docs').download('big.bin');
  assert.ok(Buffer.from(await data.arrayBuffer()).equals(big));
  const { rows: open } = await peer.sql('select count(*)::int as n from storage.s3_multipart_uploads');
  assert.equal(open[0].n, 0);
});

test('move, copy and remove act on the S3 blobs', async () => {
  await admin.storage.from('docs').upload('m/src.txt', new Blob(['moving']));
  assert.equal((await admin.storage.from('docs').copy('m/src.txt', 'm/copy.txt')).error, null);
  assert.equal((await admin.storage.from('docs').move('m/src.txt', 'm/moved.txt')).error, null);
  assert.deepEqual((await peerKeys('stub/docs/m/%')).map((k) => k.split('/')[3]), ['copy.txt', 'moved.txt']);
  assert.equal(await (await admin.storage.from('docs').download('m/moved.txt')).data.text(), 'moving');
  assert.equal(await (await admin.storage.from('docs').download('m/copy.txt')).data.text(), 'moving');
  const { data, error } = await admin.storage.from('docs').remove(['m/copy.txt', 'm/moved.txt']);
  assert.equal(error, null);
  assert.equal(data.length, 2);
  assert.deepEqual(await peerKeys('stub/docs/m/%'), []);
});

test('tus-js-client resumable upload in chunks lands in S3', async () => {
  const payload = randomBytes(300_000);
  await new Promise((resolve, reject) => {
    const u = new tus.Upload(payload, {
      endpoint: `${sb.url}/storage/v1/upload/resumable`,
      retryDelays: [],
      headers: { authorization: `Bearer ${sb.serviceRoleKey}` },
      uploadDataDuringCreation: true,
      metadata: { bucketName: 'docs', objectName: 'tus/video.bin', contentType: 'application/octet-stream' },
      chunkSize: 100_000,
      onError: reject,
      onSuccess: resolve,
    });
    u.start();
  });
  assert.equal((await peerKeys('stub/docs/tus/video.bin/%')).length, 1);
  const { data } = await admin.storage.from('docs').download('tus/video.bin');
  assert.ok(Buffer.from(await data.arrayBuffer()).equals(payload));
});

test('an upload killed half way leaves no row, no S3 blob and no open multipart upload', async () => {
  const { Socket } = await import('node:net');
  const sock = new Socket();
  await new Promise((ok) => sock.connect(sb.port, '127.0.0.1', ok));
  sock.write(`POST /storage/v1/object/docs/killed.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sb.serviceRoleKey}\r\n` +
    'Content-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n');
  // 8 MB: the first 5 MB part is already in S3 inside a multipart upload when the client dies.
  for (let i = 0; i < 8; i++) sock.write(Buffer.alloc(1024 * 1024));
  await new Promise((r) => setTimeout(r, 1500));
  sock.destroy();
  let open = 1;
  for (let i = 0; i < 50 && open > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    open = (await peer.sql('select count(*)::int as n from storage.s3_multipart_uploads')).rows[0].n;
  }
  assert.equal(open, 0);
  const { rows } = await sb.sql("select count(*)::int as n from storage.objects where name = 'killed.bin'");
  assert.equal(rows[0].n, 0);
  assert.deepEqual(await peerKeys('stub/docs/killed.bin/%'), []);
  assert.deepEqual(readdirSync(`${sb.dataDir}/storage/tmp`), []);
});

test('signed URLs, upsert and an image transform read from S3', async () => {
  await admin.storage.from('docs').upload('signed/a.txt', new Blob(['first']));
  const { error } = await admin.storage.from('docs').upload('signed/a.txt', new Blob(['second!']), { upsert: true });
  assert.equal(error, null);
  assert.equal((await peerKeys('stub/docs/signed/a.txt/%')).length, 1);
  const { data: signed } = await admin.storage.from('docs').createSignedUrl('signed/a.txt', 60);
  assert.equal(await (await fetch(signed.signedUrl)).text(), 'second!');

  // A 2×1 PNG (red, blue) rendered to 4×2 WebP through libvips, source bytes fetched from S3.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGP4z8DAwMDwHwAF/QH/6PqL5QAAAABJRU5ErkJggg==', 'base64');
  await admin.storage.from('docs').upload('img/tiny.png', png, { contentType: 'image/png' });
  const { data: render } = await admin.storage.from('docs').createSignedUrl('img/tiny.png', 60, { transform: { width: 4, height: 2 } });
  const res = await fetch(render.signedUrl, { headers: { accept: 'image/webp' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/webp');
});

test('the S3 protocol of an S3-backed supacs: multipart through @aws-sdk/client-s3', async () => {
  const { S3Client, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const id = 'c1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
  // Session-token mode with the service key. REGION=us-east-1 (set for the backend) is also the S3 protocol's region, as upstream.
  const client = new S3Client({
    forcePathStyle: true, region: 'us-east-1', endpoint: `${sb.url}/storage/v1/s3`,
    credentials: { accessKeyId: id, secretAccessKey: sb.anonKey, sessionToken: sb.serviceRoleKey },
  });
  const part1 = randomBytes(5 * 1024 * 1024);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'docs', Key: 'proto/multi.bin' }));
  const p1 = await client.send(new UploadPartCommand({ Bucket: 'docs', Key: 'proto/multi.bin', UploadId, PartNumber: 1, Body: part1 }));
  const p2 = await client.send(new UploadPartCommand({ Bucket: 'docs', Key: 'proto/multi.bin', UploadId, PartNumber: 2, Body: Buffer.from('end') }));
  await client.send(new CompleteMultipartUploadCommand({
    Bucket: 'docs', Key: 'proto/multi.bin', UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
  }));
  const got = await client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'proto/multi.bin' }));
  const body = Buffer.from(await got.Body.transformToByteArray());
  assert.ok(body.equals(Buffer.concat([part1, Buffer.from('end')])));
  assert.equal((await peerKeys('stub/docs/proto/multi.bin/%')).length, 1);
  const { rows } = await peer.sql('select count(*)::int as n from storage.s3_multipart_uploads');
  assert.equal(rows[0].n, 0);
  client.destroy();
});
