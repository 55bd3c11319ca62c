// Shared setup for the REST compat tests: one supacs serving the fixture project (blog schema in migrations).
import { join } from 'node:path';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

export const ALICE = '11111111-1111-1111-1111-111111111111';
export const BOB = '22222222-2222-2222-2222-222222222222';

export async function startRest(env = {}) {
  return startSupacs({ projectDir: join(fixturesDir, 'rest'), env });
}
