// Entry point of the `flotilla` CLI (bin/flotilla.js requires the built copy of this file).
import { buildProgram } from './cli.program';

buildProgram((code) => {
  process.exitCode = code;
})
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
