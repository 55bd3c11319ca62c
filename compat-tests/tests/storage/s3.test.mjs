// The S3 protocol at /storage/v1/s3 through @aws-sdk/client-s3: access keys (service role) and session tokens (user JWT + RLS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomBytes, createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  S3Client, ListBucketsCommand, CreateBucketCommand, HeadBucketCommand, DeleteBucketCommand, PutObjectCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectsV2Command, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand, ListPartsCommand,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { startSupacs } from '../../lib/supacs.mjs';

const accessKeyId = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
const secretAccessKey = 'f'.repeat(64);
let sb;
let s3;
let endpoint;

before(async () => {
  sb = await startSupacs({ env: { S3_PROTOCOL_ACCESS_KEY_ID: accessKeyId, S3_PROTOCOL_ACCESS_KEY_SECRET: secretAccessKey } });
  endpoint = `${sb.url}/storage/v1/s3`;
  s3 = new S3Client({ forcePathStyle: true, region: 'local', endpoint, credentials: { accessKeyId, secretAccessKey } });
});
after(async () => { s3?.destroy(); await sb?.stop(); });

/** The hash constructor SignatureV4 expects (HMAC when given a secret), on node:crypto. */
class Sha256 {
  constructor(secret) { this.h = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

const text = async (body) => Buffer.from(await body.transformToByteArray()).toString();

test('buckets: create, head, list, delete', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 's3-bucket' }));
  await s3.send(new HeadBucketCommand({ Bucket: 's3-bucket' }));
  const list = await s3.send(new ListBucketsCommand({}));
  assert.ok(list.Buckets.some((b) => b.Name === 's3-bucket'));
  await s3.send(new DeleteBucketCommand({ Bucket: 's3-bucket' }));
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 's3-bucket' })), (e) => e.$metadata.httpStatusCode === 404);
});

test('objects: put, get, head, range, metadata; shared with the REST API', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'objs' }));
  const put = await s3.send(new PutObjectCommand({ Bucket: 'objs', Key: 'dir/hello.txt', Body: 'hello s3', ContentType: 'text/plain', Metadata: { team: 'storage' } }));
  assert.equal(put.ETag, `"${createHash('md5').update('hello s3').digest('hex')}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'dir/hello.txt' }));
  assert.equal(await text(got.Body), 'hello s3');
  assert.equal(got.ContentType, 'text/plain');
  assert.equal(got.Metadata.team, 'storage');
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'objs', Key: 'dir/hello.txt' }));
  assert.equal(head.ContentLength, 8);
  const range = await s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'dir/hello.txt', Range: 'bytes=6-7' }));
  assert.equal(await text(range.Body), 's3');
  // The same object through supabase-js.
  const admin = sb.client(sb.serviceRoleKey);
  assert.equal(await (await admin.storage.from('objs').download('dir/hello.txt')).data.text(), 'hello s3');
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'nope' })), (e) => e.name === 'NoSuchKey' && e.$metadata.httpStatusCode === 404);
});

test('a streamed body (aws-chunked) and a large buffer arrive intact', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'streams' }));
  const data = randomBytes(1_500_000);
  await s3.send(new PutObjectCommand({ Bucket: 'streams', Key: 'buf.bin', Body: data }));
  const back = await s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'buf.bin' }));
  assert.ok(Buffer.from(await back.Body.transformToByteArray()).equals(data));
  await s3.send(new PutObjectCommand({ Bucket: 'streams', Key: 'stream.bin', Body: Readable.from([data.subarray(0, 700_000), data.subarray(700_000)]), ContentLength: data.length }));
  const streamed = await s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'stream.bin' }));
  assert.ok(Buffer.from(await streamed.Body.transformToByteArray()).equals(data));
});

test('list v2 with prefix, delimiter and pagination', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
  for (const k of ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b.txt', 'c/4.txt']) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
  assert.deepEqual(top.Contents.map((c) => c.Key), ['b.txt']);
  assert.deepEqual(top.CommonPrefixes.map((p) => p.Prefix), ['a/', 'c/']);
  const inA = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/' }));
  assert.deepEqual(inA.Contents.map((c) => c.Key), ['a/1.txt', 'a/2.txt']);
  assert.equal(inA.Contents[0].Size, 7);
  const keys = [];
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2, ContinuationToken: token }));
    keys.push(...page.Contents.map((c) => c.Key));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  assert.deepEqual(keys, ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b.txt', 'c/4.txt']);
});

test('copy and delete (single and batch)', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'copies' }));
  await s3.send(new PutObjectCommand({ Bucket: 'copies', Key: 'src.txt', Body: 'source', ContentType: 'text/plain' }));
  const copy = await s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'dst.txt', CopySource: 'copies/src.txt' }));
  assert.ok(copy.CopyObjectResult.ETag);
  assert.equal(await text((await s3.send(new GetObjectCommand({ Bucket: 'copies', Key: 'dst.txt' }))).Body), 'source');
  await s3.send(new DeleteObjectCommand({ Bucket: 'copies', Key: 'src.txt' }));
  const res = await s3.send(new DeleteObjectsCommand({ Bucket: 'copies', Delete: { Objects: [{ Key: 'dst.txt' }, { Key: 'ghost.txt' }] } }));
  assert.deepEqual(res.Deleted.map((d) => d.Key).sort(), ['dst.txt', 'ghost.txt']);
  const { rows } = await sb.sql("select count(*)::int as n from storage.objects where bucket_id = 'copies'");
  assert.equal(rows[0].n, 0);
});

test('multipart upload: create, parts, list parts, complete; abort leaves nothing', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'multi' }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'big.bin', ContentType: 'application/x-test' }));
  const p1 = randomBytes(300_000);
  const p2 = randomBytes(100_000);
  const e1 = await s3.send(new UploadPartCommand({ Bucket: 'multi', Key: 'big.bin', UploadId, PartNumber: 1, Body: p1 }));
  const e2 = await s3.send(new UploadPartCommand({ Bucket: 'multi', Key: 'big.bin', UploadId, PartNumber: 2, Body: p2 }));
  const parts = await s3.send(new ListPartsCommand({ Bucket: 'multi', Key: 'big.bin', UploadId }));
  assert.deepEqual(parts.Parts.map((p) => p.Size), [300_000, 100_000]);
  const { rows: before } = await sb.sql("select count(*)::int as n from storage.objects where bucket_id = 'multi'");
  assert.equal(before[0].n, 0);
  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: 'multi', Key: 'big.bin', UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }] },
  }));
  assert.match(done.ETag, /-2"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'multi', Key: 'big.bin' }));
  assert.equal(got.ContentType, 'application/x-test');
  assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat([p1, p2])));

  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'gone.bin' }));
  await s3.send(new UploadPartCommand({ Bucket: 'multi', Key: 'gone.bin', UploadId: aborted.UploadId, PartNumber: 1, Body: 'x' }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'multi', Key: 'gone.bin', UploadId: aborted.UploadId }));
  const { rows } = await sb.sql('select count(*)::int as n from storage.s3_multipart_uploads');
  assert.equal(rows[0].n, 0);
  await assert.rejects(s3.send(new ListPartsCommand({ Bucket: 'multi', Key: 'gone.bin', UploadId: aborted.UploadId })), (e) => e.name === 'NoSuchUpload');
});

test('bad credentials and signatures get S3 XML errors with real statuses', async () => {
  const wrongKey = new S3Client({ forcePathStyle: true, region: 'local', endpoint, credentials: { accessKeyId: 'nope', secretAccessKey } });
  await assert.rejects(wrongKey.send(new ListBucketsCommand({})), (e) => e.name === 'InvalidAccessKeyId' && e.$metadata.httpStatusCode === 403);
  const wrongSecret = new S3Client({ forcePathStyle: true, region: 'local', endpoint, credentials: { accessKeyId, secretAccessKey: 'x'.repeat(64) } });
  await assert.rejects(wrongSecret.send(new ListBucketsCommand({})), (e) => e.name === 'SignatureDoesNotMatch' && e.$metadata.httpStatusCode === 403);
  const anon = await fetch(`${endpoint}/`);
  assert.equal(anon.status, 403);
  assert.match(await anon.text(), /<Code>AccessDenied<\/Code>/);
});

// Signed as @aws-sdk/s3-request-presigner does (UNSIGNED-PAYLOAD, only host signed).
test('presigned GET URL (query-string SigV4)', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'presign' }));
  await s3.send(new PutObjectCommand({ Bucket: 'presign', Key: 'p.txt', Body: 'presigned body' }));
  const url = new URL(`${endpoint}/presign/p.txt`);
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: 'local', service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.presign({ method: 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) });
  const qs = new URLSearchParams(signed.query).toString();
  const res = await fetch(`${url.origin}${signed.path}?${qs}`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'presigned body');
  const tampered = await fetch(`${url.origin}${signed.path.replace('p.txt', 'q.txt')}?${qs}`);
  assert.equal(tampered.status, 403);
});

test('session token mode: a user JWT acts under RLS', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'users' }));
  await sb.sql(`
    create policy "s3 own insert" on storage.objects for insert to authenticated
      with check (bucket_id = 'users' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "s3 own select" on storage.objects for select to authenticated
      using (bucket_id = 'users' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "s3 own update" on storage.objects for update to authenticated
      using (bucket_id = 'users' and auth.uid()::text = (storage.foldername(name))[1]);
  `);
  const uid = randomUUID();
  const user = new S3Client({
    forcePathStyle: true, region: 'local', endpoint,
    credentials: { accessKeyId: 'project-ref', secretAccessKey: sb.anonKey, sessionToken: await sb.tokenFor(uid) },
  });
  await user.send(new PutObjectCommand({ Bucket: 'users', Key: `${uid}/mine.txt`, Body: 'mine' }));
  assert.equal(await text((await user.send(new GetObjectCommand({ Bucket: 'users', Key: `${uid}/mine.txt` }))).Body), 'mine');
  await assert.rejects(user.send(new PutObjectCommand({ Bucket: 'users', Key: 'other/x.txt', Body: 'x' })), (e) => e.$metadata.httpStatusCode === 403);
  const list = await user.send(new ListObjectsV2Command({ Bucket: 'users' }));
  assert.deepEqual(list.Contents.map((c) => c.Key), [`${uid}/mine.txt`]);
});

test('PostObject: a browser form upload with a presigned POST policy', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 's3-post' }));
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(now.getTime() + 5 * 60_000).toISOString(),
    conditions: [
      { bucket: 's3-post' }, ['starts-with', '$key', 'forms/'], ['content-length-range', 1, 1024], { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': `${accessKeyId}/${date}/local/s3/aws4_request` }, { 'x-amz-date': amzDate }, { 'Content-Type': 'text/plain' },
    ],
  })).toString('base64');
  const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), 'local'), 's3'), 'aws4_request');
  const send = (key, body, signature = createHmac('sha256', signingKey).update(policy).digest('hex')) => {
    const form = new FormData();
    form.append('key', key);
    form.append('x-amz-algorithm', 'AWS4-HMAC-SHA256');
    form.append('x-amz-credential', `${accessKeyId}/${date}/local/s3/aws4_request`);
    form.append('x-amz-date', amzDate);
    form.append('policy', policy);
    form.append('x-amz-signature', signature);
    form.append('Content-Type', 'text/plain');
    form.append('file', new Blob([body]), 'note.txt');
    return fetch(`${endpoint}/s3-post`, { method: 'POST', body: form });
  };
  const ok = await send('forms/${filename}', 'from a form');
  assert.equal(ok.status, 204);
  assert.match(ok.headers.get('location'), /\/s3-post\/forms\/note\.txt$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: 's3-post', Key: 'forms/note.txt' }));
  assert.equal(await text(got.Body), 'from a form');
  assert.equal(got.ContentType, 'text/plain');

  const outside = await send('elsewhere/x.txt', 'x');
  assert.equal(outside.status, 403);
  assert.match(await outside.text(), /<Code>AccessDenied<\/Code>/);
  const forged = await send('forms/forged.txt', 'x', 'f'.repeat(64));
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 's3-post' }));
  assert.deepEqual(list.Contents.map((o) => o.Key), ['forms/note.txt']);
});
