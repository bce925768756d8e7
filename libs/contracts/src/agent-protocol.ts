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
  /** Long-poll of the cluster's desired state. */
  desired: '/desired',
  /** A bundle of manifests by its content id (cacheable, ETag). */
  bundle: '/bundles/:bundleId',
  /** Per-Application sync and health status, drift, and removals. */
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

/** Bodies of `POST /status` may be this large (many Applications with their problems and diffs). */
export const AGENT_MAX_STATUS_BODY_BYTES = 4 * 1024 * 1024;

/** The longest `GET /desired` may hold the request open. */
export const DESIRED_MAX_WAIT_SECONDS = 60;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
const commitId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a Git commit id');

/**
 * `GET /desired` query: `revision` is the desired-state revision the agent holds (absent at
 * first); `waitSeconds` how long to hold the request when it is still current (0 answers at once).
 * An answer comes at once when the cluster's revision differs; else 304 after the wait.
 */
export const desiredQuery = z
  .object({
    revision: z.string().min(1).max(128).optional(),
    waitSeconds: z.coerce.number().int().min(0).max(DESIRED_MAX_WAIT_SECONDS).default(30),
  })
  .strict();
/** `GET /desired` query parameters. */
export type DesiredQuery = z.output<typeof desiredQuery>;

/** One Application the cluster should run: which bundle, where, and how. */
export const desiredApplicationWire = z
  .object({
    id: z.uuid().describe('Application id; the ownership label value on every object'),
    name: z.string(),
    /** The destination namespace: the namespace of namespaced objects that name none. */
    namespace: z.string(),
    bundleId: sha256Hex.describe('Fetch with GET /bundles/{bundleId}'),
    commit: commitId,
    prune: z.boolean().describe('Delete owned objects that left the bundle'),
    selfHeal: z.boolean().describe('Put drifted objects back (drift is reported either way)'),
  })
  .strict();
/** A desired Application on the wire. */
export type DesiredApplicationWire = z.output<typeof desiredApplicationWire>;

/** An Application that was deleted: remove what it deployed, unless `preserveResources`. */
export const applicationRemovalWire = z
  .object({ id: z.uuid(), preserveResources: z.boolean() })
  .strict();
/** A removal on the wire. */
export type ApplicationRemovalWire = z.output<typeof applicationRemovalWire>;

/** `GET /desired` answer (200): the whole desired state of the cluster at `revision`. */
export const desiredResponse = z
  .object({
    clusterId: z.string(),
    revision: z.string().describe('Send it back as ?revision= to wait for the next change'),
    applications: z.array(desiredApplicationWire),
    removals: z.array(applicationRemovalWire),
  })
  .strict();
/** `GET /desired` response body. */
export type DesiredResponse = z.output<typeof desiredResponse>;

/** `GET /bundles/{bundleId}` answer (200, ETag `"<bundleId>"`, immutable). */
export const bundleResponse = z
  .object({
    id: sha256Hex,
    objectCount: z.number().int().nonnegative(),
    manifests: z.array(z.record(z.string(), z.unknown())),
  })
  .strict();
/** `GET /bundles/{bundleId}` response body. */
export type BundleResponse = z.output<typeof bundleResponse>;

const syncCode = z.enum(['Synced', 'OutOfSync', 'Unknown']);
const healthCode = z.enum([
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
]);
const resourceRefWire = {
  group: z.string().max(253),
  version: z.string().max(63),
  kind: z.string().min(1).max(63),
  namespace: z.string().max(63),
  name: z.string().min(1).max(253),
};

/** The status of one Application on the cluster, as the agent observed it. */
export const applicationStatusWire = z
  .object({
    id: z.uuid(),
    commit: commitId.nullable().describe('What is applied; null before the first apply'),
    bundleId: sha256Hex.nullable(),
    sync: syncCode,
    health: healthCode,
    message: z.string().max(4096).describe('What went wrong applying, or empty'),
    resourceCount: z.number().int().nonnegative(),
    problems: z
      .array(
        z
          .object({
            ...resourceRefWire,
            sync: syncCode,
            health: healthCode.nullable(),
            message: z.string().max(1024),
          })
          .strict(),
      )
      .max(100)
      .describe('Resources not Synced and Healthy, with what is wrong'),
    drift: z
      .array(z.object({ ...resourceRefWire, diff: z.string().max(8192) }).strict())
      .max(100)
      .describe('Resources whose managed fields differ from what was applied'),
    driftCorrected: z.boolean().describe('Self-heal put the drifted resources back'),
    observedAt: z.iso.datetime(),
  })
  .strict();
/** An Application's status on the wire. */
export type ApplicationStatusWire = z.output<typeof applicationStatusWire>;

/** `POST /status`: what changed on the cluster since the last report (or everything). */
export const statusRequest = z
  .object({
    revision: z.string().max(128).nullable().describe('The desired revision last applied'),
    applications: z.array(applicationStatusWire).max(5000),
    removed: z
      .array(
        z
          .object({
            id: z.uuid(),
            removed: z.number().int().nonnegative(),
            preserved: z.boolean(),
            observedAt: z.iso.datetime(),
          })
          .strict(),
      )
      .max(5000),
  })
  .strict();
/** `POST /status` request body. */
export type StatusRequest = z.output<typeof statusRequest>;

/** `POST /status` answer (200): how many Applications were recorded and events appended. */
export const statusResponse = z
  .object({
    accepted: z.number().int().nonnegative(),
    eventsAppended: z.number().int().nonnegative(),
  })
  .strict();
/** `POST /status` response body. */
export type StatusResponse = z.output<typeof statusResponse>;

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
