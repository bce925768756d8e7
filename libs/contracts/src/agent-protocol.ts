import { z } from 'zod';

/**
 * The agent protocol: REST JSON under {@link AGENT_API_PREFIX}, spoken by `apps/agent` and served
 * by the hub. These schemas are the wire contract: the hub validates requests with them, the agent
 * validates answers with them, and `docs/agent-protocol.openapi.json` is generated from them.
 * Every call after registration carries `Authorization: Bearer <credential>`; the cluster is the
 * credential's, whatever ids the request names.
 */

/** Where the agent protocol is served. */
export const AGENT_API_PREFIX = '/api/agent/v1';

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const AGENT_MAX_BODY_BYTES = 64 * 1024;

/** The paths of the agent protocol, relative to {@link AGENT_API_PREFIX}. */
export const AGENT_PATHS = {
  register: '/register',
  heartbeat: '/heartbeat',
  rotateCredential: '/credentials/rotate',
  /** Reserved for delivery: long-poll of the cluster's desired state. */
  desired: '/desired',
  /** Reserved for delivery: per-Application sync and health status. */
  status: '/status',
} as const;

const labelMap = z
  .record(z.string().max(317), z.string().max(63))
  .refine((labels) => Object.keys(labels).length <= 64, 'at most 64 labels')
  .describe('Kubernetes labels, key to value');

const count = z.number().int().nonnegative();

/** What an agent reports about its cluster, read from the cluster's own API. */
export const clusterFactsWire = z
  .object({
    kubernetesVersion: z.string().min(1).max(64).describe('gitVersion from /version, e.g. v1.29.3'),
    nodeCount: count.describe('Nodes in the cluster'),
    allocatableCpuMillicores: count.describe('Sum of the nodes allocatable CPU, in millicores'),
    allocatableMemoryBytes: count.describe('Sum of the nodes allocatable memory, in bytes'),
    agentVersion: z.string().min(1).max(64).describe('Version of the Flotilla agent'),
  })
  .strict();
/** Cluster facts on the wire. */
export type ClusterFactsWire = z.output<typeof clusterFactsWire>;

/** `POST /register`: a new agent joins with a registration token. */
export const registerRequest = z
  .object({
    token: z.string().min(1).max(256).describe('The one-time registration token (flt_reg_...)'),
    name: z.string().min(1).max(63).describe('Proposed cluster name, unique in the tenant'),
    labels: labelMap.optional().describe('Labels the agent asks for; the token labels win'),
    facts: clusterFactsWire,
    attemptId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22,64}$/, 'must be 22 to 64 characters of A-Z, a-z, 0-9, _ and -')
      .optional()
      .describe(
        'A random id the agent keeps for one registration and sends on every retry of it: a retry whose first answer was lost (the token may be spent by then) gets a new credential for the same cluster, within 15 minutes',
      ),
  })
  .strict();
/** `POST /register` request body. */
export type RegisterRequest = z.output<typeof registerRequest>;

/** `POST /register` answer (201). The credential is shown once: only its hash is kept. */
export const registerResponse = z
  .object({
    clusterId: z.string(),
    tenant: z.string(),
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    credential: z.string().describe('Per-cluster bearer credential (flt_cls_...), shown once'),
    credentialExpiresAt: z.iso.datetime().describe('Rotate before this instant'),
    heartbeatIntervalSeconds: z.number().int().positive(),
  })
  .strict();
/** `POST /register` response body. */
export type RegisterResponse = z.output<typeof registerResponse>;

/** A short status the agent reports with each heartbeat. */
export const agentStatusWire = z
  .object({
    state: z.enum(['Running', 'Degraded']).describe('Degraded when the agent itself is in trouble'),
    message: z.string().max(1024).optional(),
  })
  .strict();
/** The agent's own status on the wire. */
export type AgentStatusWire = z.output<typeof agentStatusWire>;

/** `POST /heartbeat`. */
export const heartbeatRequest = z
  .object({
    clusterId: z
      .string()
      .max(64)
      .optional()
      .describe('Optional; when present it must be the credential cluster'),
    facts: clusterFactsWire,
    status: agentStatusWire,
    appliedRevision: z
      .string()
      .max(128)
      .nullable()
      .optional()
      .describe('The desired-state revision the agent has applied, if any'),
  })
  .strict();
/** `POST /heartbeat` request body. */
export type HeartbeatRequest = z.output<typeof heartbeatRequest>;

/** `POST /heartbeat` answer (200). */
export const heartbeatResponse = z
  .object({
    clusterId: z.string(),
    desiredRevision: z
      .string()
      .nullable()
      .describe('Revision of the cluster desired state; fetch /desired when it differs'),
    heartbeatIntervalSeconds: z.number().int().positive(),
    credentialExpiresAt: z.iso.datetime(),
  })
  .strict();
/** `POST /heartbeat` response body. */
export type HeartbeatResponse = z.output<typeof heartbeatResponse>;

/** `POST /credentials/rotate` takes an empty JSON object. */
export const rotateCredentialRequest = z.object({}).strict();

/** `POST /credentials/rotate` answer (200): the new credential, shown once. */
export const rotateCredentialResponse = z
  .object({
    credential: z.string(),
    credentialExpiresAt: z.iso.datetime(),
    previousValidUntil: z.iso
      .datetime()
      .describe('The old credential stops working at this instant'),
  })
  .strict();
/** `POST /credentials/rotate` response body. */
export type RotateCredentialResponse = z.output<typeof rotateCredentialResponse>;

/** The closed set of error codes the agent protocol answers with. */
export const agentErrorCodes = [
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'NOT_IMPLEMENTED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
/** An agent protocol error code. */
export type AgentErrorCode = (typeof agentErrorCodes)[number];

/** Every error answer: a code, a readable message, and for bad input the offending field. */
export const agentErrorResponse = z
  .object({
    error: z
      .object({
        code: z.enum(agentErrorCodes),
        message: z.string(),
        field: z.string().optional().describe('The request field at fault, e.g. facts.nodeCount'),
      })
      .strict(),
  })
  .strict();
/** An error response body. */
export type AgentErrorResponse = z.output<typeof agentErrorResponse>;

/** The HTTP status of each error code. */
export const AGENT_ERROR_STATUS: Record<AgentErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
