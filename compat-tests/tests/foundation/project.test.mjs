// A Supabase CLI project folder: migrations applied once in order and recorded like the CLI, seed once, status output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSupacs, runSupacs, fixturesDir, tempDataDir } from '../../lib/supacs.mjs';

function copyFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'supacs-project-'));
  chmodSync(dir, 0o755);
  cpSync(join(fixturesDir, 'foundation'), dir, { recursive: true });
  return dir;
}

const projectDir = copyFixture();
const dataDir = tempDataDir();
const stops = [];
after(async () => { for (const s of stops) await s(); });

test('migrations and seed are applied on first start and recorded like the Supabase CLI', async () => {
  const sb = await startSupacs({ projectDir, dataDir });
  try {
    const { rows } = await sb.sql('select version, name, statements from supabase_migrations.schema_migrations order by version');
    assert.deepEqual(rows.map((r) => [r.version, r.name]), [
      ['20240101000000', 'create_todos'],
      ['20240102000000', 'add_counter'],
    ]);
    assert.ok(rows[0].statements.length >= 4, 'statements are split like the CLI records them');
    const seeded = await sb.sql("select task from public.todos");
    assert.deepEqual(seeded.rows, [{ task: 'seeded task' }]);
  } finally {
    await sb.stop();
  }
});

test('a restart applies only new migrations and does not seed again', async () => {
  writeFileSync(join(projectDir, 'supabase', 'migrations', '20240103000000_third.sql'), 'create table public.third (id int);\n');
  const sb = await startSupacs({ projectDir, dataDir });
  stops.push(() => sb.stop());
  const runs = await sb.sql('select name, runs from public.migration_runs order by name');
  assert.deepEqual(runs.rows, [{ name: 'add_counter', runs: 1 }, { name: 'seed', runs: 1 }]);
  const versions = await sb.sql('select version from supabase_migrations.schema_migrations order by version');
  assert.equal(versions.rows.length, 3);
  const todos = await sb.sql('select count(*)::int as n from public.todos');
  assert.equal(todos.rows[0].n, 1);

  // status -o env prints what an app's .env needs, in the CLI's KEY="value" form.
  const env = runSupacs(['status', '-o', 'env'], sb.env);
  const lines = Object.fromEntries(env.trim().split('\n').map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), JSON.parse(l.slice(i + 1))];
  }));
  assert.equal(lines.API_URL, sb.url);
  assert.equal(lines.ANON_KEY, sb.anonKey);
  assert.equal(lines.SERVICE_ROLE_KEY, sb.serviceRoleKey);
  assert.match(lines.DB_URL, /^postgresql:\/\/postgres:.+@127\.0\.0\.1:\d+\/postgres$/);
  assert.ok(lines.JWT_SECRET.length >= 32);
});

test('a broken migration stops start-up naming the file and line, and keeps earlier ones', async () => {
  const dir = copyFixture();
  writeFileSync(join(dir, 'supabase', 'migrations', '20240104000000_broken.sql'), 'create table public.ok_before (id int);\n\nselect * from no_such_table;\n');
  const data = tempDataDir();
  await assert.rejects(startSupacs({ projectDir: dir, dataDir: data, timeoutMs: 60_000 }), (err) => {
    assert.match(err.message, /error: Migration supabase\/migrations\/20240104000000_broken\.sql failed at line 3: ERROR: relation "no_such_table" does not exist/);
    return true;
  });
  // Fix it: the next start applies the fixed file after the earlier ones that were kept.
  writeFileSync(join(dir, 'supabase', 'migrations', '20240104000000_broken.sql'), 'create table public.fixed (id int);\n');
  const sb = await startSupacs({ projectDir: dir, dataDir: data });
  stops.push(() => sb.stop());
  const versions = await sb.sql('select version from supabase_migrations.schema_migrations order by version');
  assert.deepEqual(versions.rows.map((r) => r.version), ['20240101000000', '20240102000000', '20240104000000']);
});

test('malformed config.toml fails start-up naming file and line', async () => {
  const dir = copyFixture();
  writeFileSync(join(dir, 'supabase', 'config.toml'), '[api]\nport = 54321\n\n[auth\nsite_url = "x"\n');
  await assert.rejects(startSupacs({ projectDir: dir, timeoutMs: 60_000 }), /config\.toml:4: malformed TOML/);
});
