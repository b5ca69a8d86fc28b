import { describe, expect, it } from 'vitest';
import { staleArtifacts } from '../../scripts/codegen.js';

describe('generated schema and clients', () => {
  it('match what npm run codegen produces from the current code', async () => {
    expect(await staleArtifacts(), 'run npm run codegen and commit the result').toEqual([]);
  }, 60_000);
});
