// npm run schema:print — writes schema.graphql from the code-first resolvers.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printHubSchema } from '../apps/hub/src/graphql/schema-printer';

printHubSchema().then(
  (sdl) => {
    writeFileSync('schema.graphql', sdl);
    console.log('schema.graphql written');
    process.exit(0);
  },
  (error: Error) => {
    console.error(`schema:print failed: ${error.message}`);
    process.exit(1);
  },
);
