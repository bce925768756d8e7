// A simulated fleet in one process: one kube-sim server holding N clusters (varied labels,
// versions and node counts, spread deterministically), and one in-process agent per cluster
// with an in-memory credential store. Used by `npm run fleet` and the demo.
import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type SimClusterOptions, type SimNode } from '@flotilla/kube-sim';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { memoryCredentialStore } from '../apps/agent/src/credential.store';
import {
  timerSleep,
  type AgentPhase,
  type AgentSnapshot,
  type RunningAgent,
} from '../apps/agent/src/agent.types';
import { startAgent } from '../apps/agent/src/start-agent';

const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;
const TIERS = ['gold', 'silver', 'bronze'] as const;
const VERSIONS = [
  { major: '1', minor: '28', gitVersion: 'v1.28.9' },
  { major: '1', minor: '29', gitVersion: 'v1.29.4' },
  { major: '1', minor: '30', gitVersion: 'v1.30.2' },
] as const;

/** How many agents may be registering at once while the fleet starts. */
const MAX_JOINING = 32;

/** Options of {@link startFleet}. */
export interface FleetOptions {
  hubUrl: string;
  /** A registration token with at least `clusters` uses (see {@link createFleetToken}). */
  token: string;
  clusters: number;
  /** When set, every cluster is labelled `team=<tenantLabel>` (the demo tenants select on it). */
  tenantLabel?: string;
  /** Prefix of the cluster names, to run several fleets against one hub (default none). */
  namePrefix?: string;
  /** Progress and status lines (default: console.log). */
  log?: (line: string) => void;
  /**
   * Simulated controllers in every cluster, so that applied workloads become Healthy as under
   * a real control plane (default on; off for fleets that only heartbeat).
   */
  controllers?: boolean;
  /**
   * Run the simulated API servers in a child process (scripts/kube-sim-process.ts) rather than
   * this one: each cluster then costs this process one end of its connections, not both, which
   * large fleets need to stay under the open-file limit (default: in this process).
   */
  simulatorProcess?: boolean;
}

/** Counts over the fleet's agents. */
export interface FleetStats {
  clusters: number;
  /** Agents that hold a credential (registered in this run). */
  registered: number;
  byPhase: Record<AgentPhase, number>;
  heartbeats: number;
  heartbeatsFailed: number;
  rotations: number;
  failures: number;
}

/** A running fleet. */
export interface Fleet {
  /** Stops every agent, then the simulated API server. */
  stop(): Promise<void>;
  stats(): FleetStats;
  /** Each agent's own view (benchmarks time what each agent holds). */
  snapshots(): AgentSnapshot[];
}

/** The deterministic shape of cluster `i`: name, labels, version and nodes. */
export function simulatedCluster(i: number, prefix = '') {
  const region = REGIONS[i % 3] ?? 'eu-west';
  const env = ENVS[Math.floor(i / 3) % 3] ?? 'prod';
  const tier = TIERS[Math.floor(i / 9) % 3] ?? 'gold';
  // Summing the three label indexes spreads every version over every region, env and tier.
  const version = VERSIONS[(i + Math.floor(i / 3) + Math.floor(i / 9)) % 3] ?? VERSIONS[0];
  const nodeCount = 1 + ((i * 5) % 7);
  const name = `${prefix ? `${prefix}-` : ''}${region}-${env}-${String(i + 1).padStart(3, '0')}`;
  const nodes: SimNode[] = Array.from({ length: nodeCount }, (_, n) => ({
    name: `${name}-node-${n + 1}`,
    allocatable: { cpu: String(2 + (i % 3) * 2), memory: `${8 * (1 + (i % 4))}Gi` },
  }));
  return { name, labels: { region, env, tier }, version: { ...version }, nodes };
}

/**
 * Starts `clusters` simulated clusters in one kube-sim server and an agent for each, registering
 * with `token` at `hubUrl`. Logs `registered k/N` as agents join and a status line every 5 s.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sim = options.simulatorProcess ? await simulatorProcess() : await inProcessSimulator();
  const agents: RunningAgent[] = [];
  // Unreferenced: an embedding process (the demo, a benchmark) exits when its own work is done.
  const sleep = timerSleep({ unref: true });
  let stopped = false;
  const startOne = async (i: number): Promise<RunningAgent> => {
    const spec = simulatedCluster(i, options.namePrefix);
    const kubeconfig = await sim.addCluster(spec.name, {
      version: spec.version,
      nodes: spec.nodes,
      ...(options.controllers === false ? {} : { controllers: {} }),
    });
    const labels = options.tenantLabel
      ? { ...spec.labels, team: options.tenantLabel }
      : spec.labels;
    return startAgent({
      hubUrl: options.hubUrl,
      clusterName: spec.name,
      labels,
      registrationToken: () => Promise.resolve(options.token),
      kubeConfig: loadKubeConfig(kubeconfig),
      store: memoryCredentialStore(),
      sleep,
    });
  };
  // Agents join in a ramp, at most MAX_JOINING at a time: thousands registering in the same
  // instant only measure queueing (their calls time out while the hub works through the queue,
  // and a registration whose answer is lost has spent its token use).
  const joining = () =>
    agents.filter((a) => {
      const phase = a.snapshot().phase;
      return (
        phase === 'starting' ||
        phase === 'registering' ||
        (phase === 'retrying' && !a.snapshot().clusterId)
      );
    }).length;
  const ramp = (async () => {
    for (let i = 0; i < options.clusters && !stopped; i++) {
      while (!stopped && joining() >= MAX_JOINING) await sleep(20, new AbortController().signal);
      if (!stopped) agents.push(await startOne(i));
    }
  })();

  const stats = (): FleetStats => {
    const byPhase: Record<AgentPhase, number> = {
      starting: 0,
      registering: 0,
      running: 0,
      retrying: 0,
      unauthenticated: 0,
      stopped: 0,
    };
    const s = { heartbeats: 0, heartbeatsFailed: 0, rotations: 0, failures: 0, registered: 0 };
    for (const agent of agents) {
      const snap = agent.snapshot();
      byPhase[snap.phase]++;
      s.heartbeats += snap.heartbeats;
      s.heartbeatsFailed += snap.heartbeatsFailed;
      s.rotations += snap.rotations;
      s.failures += snap.failures;
      if (snap.clusterId) s.registered++;
    }
    return { clusters: options.clusters, byPhase, ...s };
  };

  let reported = 0;
  const progress = setInterval(() => {
    const { registered, clusters } = stats();
    if (registered === reported) return;
    reported = registered;
    log(`fleet: registered ${registered}/${clusters}`);
    if (registered === clusters) clearInterval(progress);
  }, 250);
  let lastError = '';
  const status = setInterval(() => {
    const s = stats();
    const phases = Object.entries(s.byPhase)
      .filter(([, n]) => n > 0)
      .map(([phase, n]) => `${phase} ${n}`)
      .join(', ');
    log(
      `fleet: ${s.registered}/${s.clusters} registered; ${phases}; heartbeats ok ${s.heartbeats}, failed ${s.heartbeatsFailed}; ${s.rotations} rotations; ${s.failures} failures in all`,
    );
    const error = agents.map((a) => a.snapshot().lastError).find((e) => e && e !== lastError);
    if (error && s.failures > 0) log(`fleet: last error: ${(lastError = error)}`);
  }, 5_000);

  return {
    stats,
    snapshots: () => agents.map((a) => a.snapshot()),
    async stop() {
      stopped = true;
      await ramp;
      clearInterval(progress);
      clearInterval(status);
      await Promise.all(agents.map((a) => a.stop()));
      await sim.close();
    },
  };
}

/** What the fleet needs of a simulator: add a cluster (its kubeconfig), close. */
interface Simulator {
  addCluster(name: string, options: SimClusterOptions): Promise<string>;
  close(): Promise<void>;
}

async function inProcessSimulator(): Promise<Simulator> {
  const sim = await startKubeSim();
  return {
    addCluster: (name, options) => Promise.resolve(sim.addCluster(name, options).kubeconfigYaml()),
    close: () => sim.close(),
  };
}

/** kube-sim in a child process, driven over IPC (see scripts/kube-sim-process.ts). */
async function simulatorProcess(): Promise<Simulator> {
  const child = fork(join(__dirname, 'kube-sim-process.ts'), [], {
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, SWC_NODE_PROJECT: process.env['SWC_NODE_PROJECT'] ?? 'tsconfig.json' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (k: string) => void; reject: (e: Error) => void }>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the kube-sim process exited (${code})`)));
    child.on(
      'message',
      (m: { ready?: boolean; id?: number; kubeconfig?: string; error?: string }) => {
        if (m.ready) return resolve();
        const waiter = m.id === undefined ? undefined : pending.get(m.id);
        if (!waiter || m.id === undefined) return;
        pending.delete(m.id);
        if (m.error !== undefined) waiter.reject(new Error(m.error));
        else waiter.resolve(m.kubeconfig ?? '');
      },
    );
  });
  return {
    addCluster: (name, options) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, name, options });
      }),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/**
 * Creates a registration token for `uses` clusters of `tenant` through GraphQL, as a platform
 * admin signed with the hub's AUTH_JWT_SECRET (HS256, audience flotilla), like the demo does.
 */
export async function createFleetToken(
  hubUrl: string,
  jwtSecret: string,
  tenant: string,
  uses: number,
): Promise<string> {
  const jwt = await new SignJWT({ groups: ['flotilla:platform-admins'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('fleet-simulator')
    .setAudience('flotilla')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(jwtSecret));
  const res = await fetch(new URL('/graphql', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({
      query:
        'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      variables: { input: { tenant, maxUses: uses, ttlSeconds: 3600 } },
    }),
  });
  const body = (await res.json()) as {
    data?: { createRegistrationToken?: { value: string } } | null;
    errors?: unknown[];
  };
  const value = body.data?.createRegistrationToken?.value;
  if (!value) throw new Error(`createRegistrationToken failed: ${JSON.stringify(body.errors)}`);
  return value;
}

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i] ?? '';
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${key} needs a value`);
    args.set(key.slice(2), value);
    i++;
  }
  return args;
}

async function main(): Promise<void> {
  const usage =
    'usage: npm run fleet -- --clusters N [--hub URL] [--token TOKEN] [--tenant T] [--prefix P]';
  let args: Map<string, string>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`fleet: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const clusters = Number(args.get('clusters'));
  if (!Number.isInteger(clusters) || clusters < 1) {
    console.error(`fleet: --clusters must be a positive whole number\n${usage}`);
    process.exit(2);
  }
  const hubUrl = args.get('hub') ?? process.env.FLOTILLA_HUB_URL ?? 'http://127.0.0.1:3000';
  const tenant = args.get('tenant') ?? 'team-a';
  let token = args.get('token');
  if (!token) {
    const secret = process.env.AUTH_JWT_SECRET;
    if (!secret) {
      console.error(
        'fleet: pass --token, or set AUTH_JWT_SECRET to the hub secret so the fleet can create one',
      );
      process.exit(2);
    }
    token = await createFleetToken(hubUrl, secret, tenant, clusters);
    console.log(`fleet: created a registration token for ${clusters} clusters of ${tenant}`);
  }
  const prefix = args.get('prefix');
  const fleet = await startFleet({
    hubUrl,
    token,
    clusters,
    tenantLabel: tenant,
    ...(prefix ? { namePrefix: prefix } : {}),
  });
  console.log(`fleet: ${clusters} simulated clusters started against ${hubUrl}; Ctrl-C stops`);
  const stop = () => {
    console.log('fleet: stopping');
    fleet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`fleet: ${error.message}`);
    process.exit(1);
  });
}
