// GeoJSON output through supabase-js's .geojson(): a FeatureCollection built with PostGIS's ST_AsGeoJSON(record)
// once the postgis extension exists (406 PGRST107 before), with filters and RLS applied as for JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, ALICE } from './helpers.mjs';

let sb;
before(async () => { sb = await startRest(); });
after(async () => { await sb?.stop(); });

const point = (x, y) => ({ type: 'Point', coordinates: [x, y] });

test('without PostGIS, geojson() is 406 PGRST107', async () => {
  const { data, error, status } = await sb.client().from('users').select('id').geojson();
  assert.equal(status, 406);
  assert.equal(data, null);
  assert.equal(error.code, 'PGRST107');
});

test('with PostGIS, geojson() returns a FeatureCollection; filters and RLS still apply', async () => {
  await sb.sql(`
    create schema if not exists extensions;
    create extension if not exists postgis schema extensions;
    grant usage on schema extensions to anon, authenticated, service_role;
    create table public.places (id int primary key, name text not null, public boolean not null, geom extensions.geometry(Point, 4326));
    insert into public.places values
      (1, 'harbour', true, extensions.st_setsrid(extensions.st_makepoint(10, 20), 4326)),
      (2, 'bunker', false, extensions.st_setsrid(extensions.st_makepoint(-3.5, 4), 4326)),
      (3, 'lighthouse', true, extensions.st_setsrid(extensions.st_makepoint(7, 8), 4326));
    alter table public.places enable row level security;
    create policy places_public on public.places for select to anon using (public);
    create policy places_all on public.places for select to authenticated using (true);
    grant select on public.places to anon, authenticated;
  `);

  const alice = sb.client(sb.anonKey, await sb.tokenFor(ALICE));
  const all = await alice.from('places').select('id, name, geom').order('id').geojson();
  assert.equal(all.error, null);
  assert.equal(all.status, 200);
  assert.deepEqual(all.data, {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', geometry: point(10, 20), properties: { id: 1, name: 'harbour' } },
      { type: 'Feature', geometry: point(-3.5, 4), properties: { id: 2, name: 'bunker' } },
      { type: 'Feature', geometry: point(7, 8), properties: { id: 3, name: 'lighthouse' } },
    ],
  });

  const filtered = await alice.from('places').select('name, geom').gt('id', 1).order('id', { ascending: false }).geojson();
  assert.deepEqual(filtered.data.features.map((f) => f.properties.name), ['lighthouse', 'bunker']);

  const anon = await sb.client().from('places').select('id, geom').order('id').geojson();
  assert.equal(anon.error, null);
  assert.deepEqual(anon.data.features.map((f) => f.properties.id), [1, 3]);

  const raw = await fetch(`${sb.url}/rest/v1/places?select=id,geom&id=eq.1`, {
    headers: { apikey: sb.anonKey, Accept: 'application/geo+json' },
  });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('content-type'), 'application/geo+json; charset=utf-8');
  assert.deepEqual(await raw.json(), {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: point(10, 20), properties: { id: 1 } }],
  });
});
