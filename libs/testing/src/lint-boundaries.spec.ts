// The architecture rules of CONVENTIONS.md ("Layout") as eslint.config.mjs enforces them: each
// sample is linted in memory as if it were a file at `filePath`, against the real repository
// (imports resolve to the real libraries), and must or must not be reported.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..', '..');

interface Sample {
  name: string;
  filePath: string;
  code: string;
  /** The rule that must report it, or null when the sample must lint clean. */
  expect: string | null;
}

interface LintedSample {
  name: string;
  messages: { ruleId: string | null; message: string }[];
}

// ESLint loads eslint.config.mjs with import(), which Jest's module sandbox refuses without
// --experimental-vm-modules, so the Node API runs in a plain child process instead.
const LINT_SAMPLES = `
import { ESLint } from 'eslint';
const samples = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const s of samples) {
  const [result] = await eslint.lintText(s.code, { filePath: s.filePath });
  out.push({ name: s.name, messages: result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })) });
}
process.stdout.write(JSON.stringify(out));
`;

function lint(samples: Sample[]): LintedSample[] {
  const stdout = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', LINT_SAMPLES, JSON.stringify(samples)],
    {
      cwd: repo,
      encoding: 'utf8',
      timeout: 50_000,
    },
  );
  return JSON.parse(stdout) as LintedSample[];
}

// An import is only checked when its target exists, and apps/ may hold no app yet (git keeps no
// empty folders), so the app-side samples import a throwaway app created for this run.
const probeApp = `lint-probe-${process.pid}`;
const probeMain = `apps/${probeApp}/src/main`;

const use = (source: string): string =>
  `import * as dep from '${source}';\nexport const used = dep;\n`;

const samples: Sample[] = [
  // apps → libs, along the graph only
  {
    name: 'hub uses the event store',
    filePath: 'apps/hub/src/x.ts',
    code: use('@flotilla/event-store'),
    expect: null,
  },
  {
    name: 'hub uses the database',
    filePath: 'apps/hub/src/x.ts',
    code: use('@flotilla/database'),
    expect: null,
  },
  {
    name: 'agent uses the event store',
    filePath: 'apps/agent/src/x.ts',
    code: use('@flotilla/event-store'),
    expect: 'boundaries/dependencies',
  },
  {
    name: 'cli uses generators',
    filePath: 'apps/cli/src/x.ts',
    code: use('@flotilla/generators'),
    expect: null,
  },
  {
    name: 'an app imports another app',
    filePath: 'apps/worker/src/x.ts',
    code: use(`../../../${probeMain}`),
    expect: 'boundaries/dependencies',
  },
  // libs → libs, and never an app
  {
    name: 'projections use the event store',
    filePath: 'libs/projections/src/x.ts',
    code: use('@flotilla/event-store'),
    expect: null,
  },
  {
    name: 'generators use the event store',
    filePath: 'libs/generators/src/x.ts',
    code: use('@flotilla/event-store'),
    expect: 'boundaries/dependencies',
  },
  {
    name: 'a lib imports an app',
    filePath: 'libs/event-store/src/x.ts',
    code: use(`../../../${probeMain}`),
    expect: 'boundaries/dependencies',
  },
  {
    name: 'database imports the migrations',
    filePath: 'libs/database/src/x.ts',
    code: use('../../../migrations'),
    expect: null,
  },
  // a lib only through its alias
  {
    name: 'deep relative import into another lib',
    filePath: 'apps/hub/src/x.ts',
    code: use('../../../libs/event-store/src/event-store'),
    expect: 'boundaries/dependencies',
  },
  {
    name: 'deep alias import',
    filePath: 'apps/hub/src/x.ts',
    code: use('@flotilla/event-store/src/event-store'),
    expect: 'no-restricted-imports',
  },
  {
    name: 'relative import inside a lib',
    filePath: 'libs/event-store/src/x.ts',
    code: use('./event-store'),
    expect: null,
  },
  // testing: tests and benchmarks only
  {
    name: 'production code uses testing',
    filePath: 'libs/event-store/src/x.ts',
    code: use('@flotilla/testing'),
    expect: 'boundaries/dependencies',
  },
  {
    name: 'a spec uses testing',
    filePath: 'libs/event-store/src/x.spec.ts',
    code: use('@flotilla/testing'),
    expect: null,
  },
  {
    name: 'bench uses testing',
    filePath: 'bench/x.bench.ts',
    code: use('@flotilla/testing'),
    expect: null,
  },
  {
    name: 'bench reaches a fixture',
    filePath: 'bench/x.bench.ts',
    code: use('../libs/event-store/src/counter.fixture'),
    expect: null,
  },
  {
    name: 'bench reaches a non-fixture file',
    filePath: 'bench/x.bench.ts',
    code: use('../libs/event-store/src/event-store'),
    expect: 'boundaries/dependencies',
  },
  // migrations: typeorm only
  {
    name: 'a migration uses typeorm',
    filePath: 'migrations/x.ts',
    code: use('typeorm'),
    expect: null,
  },
  {
    name: 'a migration uses a lib',
    filePath: 'migrations/x.ts',
    code: use('@flotilla/event-store'),
    expect: 'boundaries/dependencies',
  },
  // cycles: index.ts re-exports event-store.ts, so event-store.ts importing the index is one
  {
    name: 'an import cycle',
    filePath: 'libs/event-store/src/event-store.ts',
    code: use('./index'),
    expect: 'import-x/no-cycle',
  },
];

describe('architecture lint rules (eslint.config.mjs)', () => {
  let results: Map<string, LintedSample['messages']>;

  beforeAll(() => {
    const createdApps = !existsSync(join(repo, 'apps'));
    mkdirSync(join(repo, 'apps', probeApp, 'src'), { recursive: true });
    writeFileSync(join(repo, `${probeMain}.ts`), 'export const probe = 1;\n');
    try {
      results = new Map(lint(samples).map((r) => [r.name, r.messages]));
    } finally {
      rmSync(join(repo, createdApps ? 'apps' : `apps/${probeApp}`), {
        recursive: true,
        force: true,
      });
    }
  }, 60_000);

  it.each(samples.filter((s) => s.expect !== null))('reports: $name', ({ name, expect: rule }) => {
    expect(results.get(name)?.map((m) => m.ruleId)).toContain(rule);
  });

  it.each(samples.filter((s) => s.expect === null))('allows: $name', ({ name }) => {
    expect(results.get(name)).toEqual([]);
  });
});
