import { readFileSync } from 'node:fs';
import { generateSchema } from '../src/graphql/print-schema.js';

describe('schema.gql', () => {
  it('is what the code generates (run `npm run schema:generate` after changing GraphQL types)', async () => {
    const committed = readFileSync(new URL('../schema.gql', import.meta.url), 'utf8');
    expect(await generateSchema()).toBe(committed);
  });
});
