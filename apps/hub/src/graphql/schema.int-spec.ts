import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printHubSchema } from './schema-printer';

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:print` after changing the API)', async () => {
    const checkedIn = readFileSync(join(__dirname, '../../../../schema.graphql'), 'utf8');
    expect(await printHubSchema()).toBe(checkedIn);
  });
});
