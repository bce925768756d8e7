import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

// One schema per app; the keys are the environment variables they read. Only this library
// reads process.env (through loadConfigOrExit in each app's main.ts).

const postgresUrl = z
  .string()
  .default('postgres://postgres@127.0.0.1:5432/flotilla')
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');
const redisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');
const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');
const port = z
  .string()
  .regex(/^\d+$/, 'must be a port number')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be a port number up to 65535');

const seconds = (fallback: number, min = 1, max = 86_400) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Encryption keys for secrets at rest (kubeconfigs, Git credentials): a comma-separated list of
 * `id:base64` entries, each key 32 random bytes (AES-256). The first key encrypts; every key
 * listed decrypts, so a key is rotated by putting the new one first and keeping the old one until
 * `flotilla secrets reseal` (or the worker) has re-encrypted everything.
 */
const secretsKeys = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return [];
    const keys: { id: string; key: Buffer }[] = [];
    for (const [i, entry] of raw.split(',').entries()) {
      const m = /^([A-Za-z0-9_.-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry.trim());
      const key = m ? Buffer.from(m[2] ?? '', 'base64') : undefined;
      if (!m || !key || key.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} must be id:base64 of 32 random bytes (try: openssl rand -base64 32)`,
        });
        return z.NEVER;
      }
      if (keys.some((k) => k.id === m[1])) {
        ctx.addIssue({ code: 'custom', message: `key id ${m[1]} appears twice` });
        return z.NEVER;
      }
      keys.push({ id: m[1] ?? '', key });
    }
    return keys;
  });

/**
 * Observability and shutdown, shared by every app. Metrics: the hub serves `/metrics` on its own
 * port; the worker and agent, which have no HTTP API, serve it on METRICS_PORT (0 turns it off).
 * Traces are off unless TRACING_ENABLED; spans go to OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP).
 */
const observability = (metricsPort: number) => ({
  METRICS_PORT: port.default(metricsPort),
  METRICS_HOST: z.string().default('0.0.0.0'),
  TRACING_ENABLED: booleanFlag(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ message: 'must be the collector URL, e.g. http://otel-collector:4318' })
    .default('http://127.0.0.1:4318'),
  /** How long SIGTERM waits for in-flight requests and jobs before the process exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: seconds(25, 1, 3600),
});

/** Heartbeat and connectivity settings shared by the hub (answers agents) and worker (sweeps). */
/** Git mirrors (worker: generation; hub: previews). One cache directory per process. */
const gitSettings = (defaultCacheDir: string) => ({
  /** Where the bare Git mirrors live (one directory per process). */
  GIT_CACHE_DIR: z.string().min(1).default(defaultCacheDir),
  /** Accept file:// repository URLs: tests and the demo only. */
  GIT_ALLOW_FILE_URLS: booleanFlag(false),
  /** How long one clone or fetch may take. */
  GIT_FETCH_TIMEOUT_SECONDS: seconds(120, 1, 3600),
});

const fleetSettings = {
  HEARTBEAT_INTERVAL_SECONDS: seconds(30, 1, 3600),
  OFFLINE_AFTER_MISSED_HEARTBEATS: seconds(5, 1, 1000),
  SECRETS_KEYS: secretsKeys,
  /** Let notification rules target loopback, private and link-local addresses (tests, demo, on-premises receivers). */
  NOTIFY_ALLOW_PRIVATE_NETWORKS: booleanFlag(false),
};

/** The hub: HTTP server (GraphQL, agent protocol, health). */
export const hubConfigSchema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: postgresUrl,
    REDIS_URL: redisUrl,
    MIGRATE_ON_START: booleanFlag(true),
    LOG_LEVEL: logLevel,
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_JWKS_URL: z.url({ message: 'must be a URL' }).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().default('flotilla'),
    AUTH_POLICY_FILE: z.string().min(1).optional(),
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(12),
    GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(10_000),
    GRAPHQL_PLAYGROUND: booleanFlag(false),
    ...fleetSettings,
    /** Failed registrations one client address may make per minute before it gets 429. */
    REGISTER_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
    CREDENTIAL_GRACE_PERIOD_SECONDS: seconds(3600, 0, 7 * 86_400),
    /** Shared secret of Git push webhooks (GitHub HMAC, GitLab token); unset: webhooks get 503. */
    GIT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    ...gitSettings(join(tmpdir(), 'flotilla-git-hub')),
    // The hub serves /metrics on PORT; METRICS_PORT is unused there.
    ...observability(0),
  })
  .superRefine((c, ctx) => {
    if (!c.AUTH_JWT_SECRET && !c.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'or AUTH_JWKS_URL is required: the hub must know how to verify tokens',
      });
    }
    if (c.AUTH_JWKS_URL && !c.AUTH_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_ISSUER'],
        message: 'is required with AUTH_JWKS_URL',
      });
    }
  });
export type HubConfig = z.output<typeof hubConfigSchema>;

/** The worker: BullMQ processors and projection runners. */
export const workerConfigSchema = z.object({
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  LOG_LEVEL: logLevel,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Postgres connections the worker's pool opens at most (its LISTEN connections are extra). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /** How soon a dead worker's active jobs are taken over by another (BullMQ's job lock). */
  JOB_LOCK_SECONDS: seconds(30, 2, 600),
  ...fleetSettings,
  /** How often the connectivity sweep runs. */
  SWEEP_INTERVAL_SECONDS: seconds(10, 1, 3600),
  /** How often kubeconfig clusters are probed (their heartbeat; below HEARTBEAT_INTERVAL_SECONDS so a probe lands within every interval). */
  PROBE_INTERVAL_SECONDS: seconds(15, 1, 3600),
  ...gitSettings(join(tmpdir(), 'flotilla-git')),
  /** How often every ApplicationSet is regenerated and the Git mirrors it reads are fetched (Argo CD's requeue: 3 min). */
  APPSET_RESYNC_SECONDS: seconds(180, 5, 86_400),
  /** How often every Application's revision is resolved again and re-rendered when it moved. */
  RENDER_RESYNC_SECONDS: seconds(180, 2, 86_400),
  /** How often push mode assesses every kubeconfig cluster for drift (and re-queues lost applies). */
  PUSH_RESYNC_SECONDS: seconds(60, 2, 86_400),
  /** The largest bundle (canonical JSON of the rendered manifests) a render may produce. */
  MAX_BUNDLE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /** The most objects one bundle may hold. */
  MAX_BUNDLE_OBJECTS: z.coerce.number().int().min(1).max(100_000).default(5_000),
  /** How long one notification attempt (connect, send, answer) may take. */
  NOTIFY_TIMEOUT_SECONDS: seconds(10, 1, 300),
  /** Attempts per notification before it is Failed (retries back off exponentially). */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** The first retry's delay; each next one doubles it. */
  NOTIFY_BACKOFF_SECONDS: seconds(5, 1, 3600),
  /** Notifications sent at once by one worker, across all endpoints. */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Notifications one worker sends at once to one rule's endpoint (a slow endpoint takes no more). */
  NOTIFY_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Events older than this when the dispatcher reaches them are not sent (a rebuilt or long-stopped dispatcher does not page for the past). */
  NOTIFY_MAX_EVENT_AGE_SECONDS: seconds(86_400, 60, 30 * 86_400),
  /** How often every rolling-out ApplicationSet is ticked, whatever triggers were lost (Redis flushed). */
  ROLLOUT_SWEEP_SECONDS: seconds(10, 1, 3600),
  ...observability(9464),
});
export type WorkerConfig = z.output<typeof workerConfigSchema>;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes label rules (apimachinery validation): name part and value, at most 63 each. */
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
function labelProblem(key: string, value: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix)))
    return `key ${key}: the prefix must be a DNS subdomain, e.g. example.com/team`;
  if (name.length > 63 || !labelName.test(name))
    return `key ${key}: the name must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  if (value.length > 63 || (value !== '' && !labelName.test(value)))
    return `value of ${key}: must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  return undefined;
}
/** `k=v,k2=v2` as a label map, checked with the Kubernetes rules (the hub checks them again). */
const clusterLabels = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const labels: Record<string, string> = {};
    if (raw === undefined || raw.trim() === '') return labels;
    for (const [i, entry] of raw.split(',').entries()) {
      const m = /^\s*([^=\s]+)=([^=\s]*)\s*$/.exec(entry);
      const key = m?.[1] ?? '';
      const problem = !m
        ? `entry ${i + 1} must be key=value, e.g. region=eu-west`
        : key in labels
          ? `key ${key} appears twice`
          : labelProblem(key, m[2] ?? '');
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      labels[key] = m?.[2] ?? '';
    }
    return labels;
  });
/** The agent, inside a managed cluster. */
export const agentConfigSchema = z
  .object({
    FLOTILLA_HUB_URL: z.url({ message: 'must be the hub URL, e.g. https://flotilla.example.com' }),
    /** Needed only until the agent has registered and stored its credential. */
    FLOTILLA_REGISTRATION_TOKEN: z.string().min(1).optional(),
    /** The token as a mounted Secret file; read when the agent registers, not at start-up. */
    FLOTILLA_REGISTRATION_TOKEN_FILE: z.string().min(1).optional(),
    FLOTILLA_CLUSTER_NAME: z
      .string()
      .max(63)
      .regex(dnsLabel, 'must be a DNS label, e.g. eu-west-1'),
    FLOTILLA_CLUSTER_LABELS: clusterLabels,
    FLOTILLA_CREDENTIAL_STORE: z
      .enum(['secret', 'file'], { message: 'must be secret or file' })
      .default('secret'),
    FLOTILLA_CREDENTIAL_FILE: z.string().min(1).optional(),
    /** Default: the service account's namespace file, read by the agent at start-up. */
    FLOTILLA_NAMESPACE: z.string().max(63).regex(dnsLabel, 'must be a namespace name').optional(),
    FLOTILLA_CREDENTIAL_SECRET: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Secret name')
      .default('flotilla-agent-credential'),
    /** Optional: without it the agent uses its in-cluster service account. */
    KUBECONFIG: z.string().min(1).optional(),
    /** Set by Kubernetes in every pod: how the agent knows it runs in a cluster. */
    KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
    /** How often every applied Application is assessed for health and drift (also on watch). */
    DRIFT_INTERVAL_SECONDS: z.coerce
      .number({ message: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(5, 'must be at least 5')
      .default(180),
    LOG_LEVEL: logLevel,
    ...observability(9465),
  })
  .superRefine((c, ctx) => {
    if (c.FLOTILLA_CREDENTIAL_STORE === 'file' && !c.FLOTILLA_CREDENTIAL_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLOTILLA_CREDENTIAL_FILE'],
        message: 'is required with FLOTILLA_CREDENTIAL_STORE=file',
      });
    }
    if (!c.KUBECONFIG && !c.KUBERNETES_SERVICE_HOST) {
      ctx.addIssue({
        code: 'custom',
        path: ['KUBECONFIG'],
        message:
          'is required outside a cluster (KUBERNETES_SERVICE_HOST is not set, so there is no in-cluster service account)',
      });
    }
    if (c.FLOTILLA_REGISTRATION_TOKEN && c.FLOTILLA_REGISTRATION_TOKEN_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLOTILLA_REGISTRATION_TOKEN_FILE'],
        message: 'and FLOTILLA_REGISTRATION_TOKEN are both set: keep one',
      });
    }
  });
export type AgentConfig = z.output<typeof agentConfigSchema>;
