// npm run openapi:print: writes docs/agent-protocol.openapi.json from the agent protocol's zod
// schemas, formatted by Prettier so that `npm run format:check` accepts the generated file.
import { printAgentProtocolOpenApi } from '@flotilla/contracts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';

const file = join(__dirname, '..', 'docs', 'agent-protocol.openapi.json');

async function main(): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(printAgentProtocolOpenApi(), { ...options, filepath: file }),
  );
  console.log('docs/agent-protocol.openapi.json written');
}

main().catch((error: Error) => {
  console.error(`openapi:print failed: ${error.message}`);
  process.exit(1);
});
