// Edge-function imports installed from an npm registry: a registry peer started here serves packuments and tarballs
// built here (a package with a dependency range, and a deno.land/x module's npm equivalent). `supacs functions install`
// fills the data dir's store ahead of time (then supacs runs with no reachable registry), and a fresh supacs installs
// at first load; what cannot be installed is a 503 BOOT_ERROR with the cause in the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSupacs, supacsDll, tempDataDir, fixturesDir } from '../../lib/supacs.mjs';

const projectDir = join(fixturesDir, 'functions', 'install-project');
const packages = new Map(); // name -> Map(version -> { manifest, tgz })
const hits = [];
let registry;
let registryUrl;
const dataDirs = [];

function tarEntry(name, text) {
  const data = Buffer.from(text);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function publish(name, version, files, extra = {}) {
  const manifest = { name, version, type: 'module', main: 'index.js', ...extra };
  const tar = [tarEntry('package/package.json', JSON.stringify(manifest))];
  for (const [path, text] of Object.entries(files)) tar.push(tarEntry(`package/${path}`, text));
  const tgz = gzipSync(Buffer.concat([...tar, Buffer.alloc(1024)]));
  if (!packages.has(name)) packages.set(name, new Map());
  packages.get(name).set(version, { manifest, tgz });
}

before(async () => {
  for (const v of ['1.1.0', '1.2.5', '1.3.0', '2.0.0']) publish('tiny-pad', v, { 'index.js': `export default (s) => '[${v}]' + s;\n` });
  publish('tiny-greet', '1.1.0', { 'index.js': "import pad from 'tiny-pad';\nexport const greet = (n) => pad('hello ' + n);\n" }, { dependencies: { 'tiny-pad': '^1.2.0' } });
  publish('tiny-greet', '2.0.0', { 'index.js': "export const greet = (n) => 'v2 ' + n;\n" });
  publish('zod', '3.22.4', { 'index.js': "export const kind = 'zod 3.22.4 from the registry';\n" });
  registry = createServer((req, res) => {
    hits.push(req.url);
    const tarball = req.url.match(/^\/-\/(.+)\/(.+)\.tgz$/);
    if (tarball) {
      const p = packages.get(decodeURIComponent(tarball[1]))?.get(tarball[2]);
      if (!p) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(p.tgz);
      return;
    }
    const name = decodeURIComponent(req.url.slice(1));
    const versions = packages.get(name);
    if (!versions) { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}'); return; }
    const doc = { name, 'dist-tags': { latest: [...versions.keys()].at(-1) }, versions: {} };
    for (const [version, { manifest, tgz }] of versions) {
      doc.versions[version] = {
        ...manifest,
        dist: { tarball: `${registryUrl}/-/${encodeURIComponent(name)}/${version}.tgz`, integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}` },
      };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise((ok) => registry.listen(0, '127.0.0.1', ok));
  registryUrl = `http://127.0.0.1:${registry.address().port}`;
});

after(() => {
  registry?.close();
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

const expected = { npm: '[1.3.0]hello npm', esm: '[1.3.0]hello esm', zod: 'zod 3.22.4 from the registry' };

test('supacs functions install fills the store; supacs then serves the function with no registry reachable', async () => {
  const dataDir = tempDataDir();
  dataDirs.push(dataDir);
  let out;
  let status = 0;
  try {
    // Asynchronously: the registry peer answers from this same process.
    const r = await promisify(execFile)('dotnet', [supacsDll(), 'functions', 'install', '--project-dir', projectDir, '--data-dir', dataDir], {
      env: { ...process.env, NPM_CONFIG_REGISTRY: registryUrl }, encoding: 'utf8',
    });
    out = `${r.stdout}\n${r.stderr}`;
  } catch (e) {
    status = e.code;
    out = `${e.stdout}\n${e.stderr}`;
  }
  // The unpublished import fails the command (exit 1) after everything else was installed.
  assert.equal(status, 1, out);
  assert.match(out, /greet: installing npm:tiny-greet@\^1\.1/);
  assert.match(out, /tiny-greet@1\.1\.0/);
  assert.match(out, /zod@3\.22\.4/);
  assert.match(out, /unpublished: npm:never-published-pkg@1: package never-published-pkg was not found in the registry/);
  const store = join(dataDir, 'functions', 'npm', 'store');
  assert.ok(existsSync(join(store, 'tiny-pad@1.3.0', 'node_modules', 'tiny-pad', 'index.js')));
  assert.ok(!existsSync(join(store, 'tiny-greet@2.0.0')), 'latest (2.0.0) is outside ^1.1');

  const tarballsBefore = hits.filter((h) => h.startsWith('/-/')).length;
  const sb = await startSupacs({ projectDir, dataDir, env: { NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9' } });
  try {
    const res = await fetch(`${sb.url}/functions/v1/greet`);
    assert.equal(res.status, 200, sb.logs());
    assert.deepEqual(await res.json(), expected);
  } finally {
    await sb.stop();
  }
  assert.equal(hits.filter((h) => h.startsWith('/-/')).length, tarballsBefore);
});

test('a fresh supacs installs at first load; an import the registry lacks is a BOOT_ERROR naming it', async () => {
  const sb = await startSupacs({ projectDir, env: { NPM_CONFIG_REGISTRY: registryUrl } });
  try {
    const res = await fetch(`${sb.url}/functions/v1/greet`);
    assert.equal(res.status, 200, sb.logs());
    assert.deepEqual(await res.json(), expected);
    assert.ok(existsSync(join(sb.dataDir, 'functions', 'npm', 'store', 'tiny-greet@1.1.0')));

    const bad = await fetch(`${sb.url}/functions/v1/unpublished`);
    assert.equal(bad.status, 503);
    assert.equal(bad.headers.get('sb-error-code'), 'BOOT_ERROR');
    assert.deepEqual(await bad.json(), { code: 'BOOT_ERROR', message: 'Worker failed to boot (please check logs)' });
    for (let i = 0; i < 40 && !sb.logs().includes('never-published-pkg was not found'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(sb.logs(), /Installing "npm:never-published-pkg@1" \(never-published-pkg@1\) failed: package never-published-pkg was not found in the registry http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
  } finally {
    await sb.stop();
  }
});
