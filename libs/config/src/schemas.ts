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
});
export type WorkerConfig = z.output<typeof workerConfigSchema>;

/** The agent, inside a managed cluster. */
export const agentConfigSchema = z.object({
  FLOTILLA_HUB_URL: z.url({ message: 'must be the hub URL, e.g. https://flotilla.example.com' }),
  FLOTILLA_REGISTRATION_TOKEN: z.string().min(1).optional(),
  FLOTILLA_CLUSTER_NAME: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
    .optional(),
  LOG_LEVEL: logLevel,
});
export type AgentConfig = z.output<typeof agentConfigSchema>;
