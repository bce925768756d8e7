// npm run bench -- authz
// The cost of the authorisation check per request with 1,000 tenants and 10,000+ policy lines,
// and GraphQL requests/s for a small authorised query beside the same query with the access
// guard replaced by one that allows everything (same process, same run).
import 'reflect-metadata';
import { hubConfigSchema, parseConfig } from '@flotilla/config';
import { createPool, runMigrations } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry } from '@flotilla/projections';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { Client } from 'pg';
import pino from 'pino';
import { signToken, TEST_JWT_SECRET } from '../apps/hub/src/testing/test-hub';
import { createHub } from '../apps/hub/src/hub';
import type { PolicyProvider } from '../apps/hub/src/authz/policy-provider';
import type { RequestContext } from '../apps/hub/src/graphql/request-context';
import { POLICY_PROVIDER } from '../apps/hub/src/infra/tokens';
import { median, percentile, writeBenchResults } from './lib/results';

const server = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla').replace(
  /\/[^/]*$/,
  '',
);
const dbName = 'flotilla_bench_authz';
const url = `${server}/${dbName}`;
const TENANTS = 1_000;

/** Allows everything, as if there were no authorisation (the benchmark's baseline only). */
@Injectable()
class AllowAllGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = GqlExecutionContext.create(context).getContext<RequestContext>();
    ctx.authz = { can: () => true };
    return true;
  }
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

async function requestsPerSecond(base: string, token: string, seconds: number): Promise<number> {
  const body = JSON.stringify({ query: '{ tenant(name: "t-0500") { name sourceRepos } }' });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < deadline) {
        const res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        const json = (await res.json()) as { errors?: unknown };
        if (json.errors) throw new Error(`query failed: ${JSON.stringify(json.errors)}`);
        done++;
      }
    }),
  );
  return done / seconds;
}

async function main(): Promise<void> {
  console.log(`authz bench: fresh database ${dbName}, ${TENANTS} tenants`);
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const pool = createPool(url, { max: 4 });
  const store = new EventStore(pool, flotillaEventRegistry());
  for (let i = 0; i < TENANTS; i++) {
    const t = `t-${String(i).padStart(4, '0')}`;
    const spec = {
      name: t,
      sourceRepos: [`https://github.com/${t}/*`],
      roles: [
        { name: 'admin', groups: [`${t}-admins`] },
        { name: 'viewer', groups: [`${t}-viewers`] },
        {
          name: 'ops',
          groups: [`${t}-ops`],
          policies: [`p, proj:${t}:ops, applications, sync, ${t}/*, allow`],
        },
      ],
    };
    const { parseTenantSpec } = await import('@flotilla/domain');
    await store.append(
      `tenant-${t}`,
      'no_stream',
      [{ type: 'TenantCreated', data: { spec: parseTenantSpec(spec) } }],
      { actor: 'bench' },
    );
    if ((i + 1) % 250 === 0) console.log(`  ${i + 1} tenants`);
  }
  await pool.end();

  const config = parseConfig(hubConfigSchema, {
    DATABASE_URL: url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
  });
  const viewer = await signToken({ sub: 'v', groups: ['t-0500-viewers'] });
  const withAuthz = await createHub(config, pino({ level: 'silent' }));
  await withAuthz.listen(0, '127.0.0.1');
  const provider = withAuthz.get<PolicyProvider>(POLICY_PROVIDER);
  const engine = await provider.current();
  const policyLines = engine.size;
  console.log(
    `policy: ${policyLines} lines; timing the check a request makes (version probe + decision)`,
  );
  const principal = { sub: 'v', groups: ['t-0500-viewers'] };
  const samples: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const t0 = process.hrtime.bigint();
    const current = await provider.current();
    if (!current.can(principal, 'tenants', 'get', 't-0500')) throw new Error('expected allowed');
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const base = `http://127.0.0.1:${(withAuthz.getHttpServer().address() as { port: number }).port}`;
  const runs = { authz: [] as number[], open: [] as number[] };
  const open = await createHub(config, pino({ level: 'silent' }), { guard: AllowAllGuard });
  await open.listen(0, '127.0.0.1');
  const openBase = `http://127.0.0.1:${(open.getHttpServer().address() as { port: number }).port}`;
  for (let r = 1; r <= 3; r++) {
    console.log(`requests run ${r}/3 (5 s each, 8 connections)`);
    runs.authz.push(await requestsPerSecond(base, viewer, 5));
    runs.open.push(await requestsPerSecond(openBase, viewer, 5));
  }
  await withAuthz.close();
  await open.close();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  const requestsPerSecAuthz = Math.round(median(runs.authz));
  const requestsPerSecNoAuthz = Math.round(median(runs.open));
  writeBenchResults('authz', {
    authzP50Us: Math.round(percentile(samples, 50)),
    authzP99Us: Math.round(percentile(samples, 99)),
    requestsPerSecAuthz,
    requestsPerSecNoAuthz,
    policyLines,
  });
  console.log(
    `  authorisation share of a request: ${(100 * (1 - requestsPerSecAuthz / requestsPerSecNoAuthz)).toFixed(1)}%`,
  );
}

main().catch((error: Error) => {
  console.error(`authz bench failed: ${error.message}`);
  process.exit(1);
});
