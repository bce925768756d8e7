import type { z } from 'zod';
import {
  AGENT_MAX_BODY_BYTES,
  AGENT_MAX_STATUS_BODY_BYTES,
  type AGENT_PATHS,
  agentErrorResponse,
  agentStatusWire,
  bundleResponse,
  clusterFactsWire,
  DESIRED_MAX_WAIT_SECONDS,
  desiredResponse,
  heartbeatRequest,
  heartbeatResponse,
  registerRequest,
  registerResponse,
  rotateCredentialRequest,
  rotateCredentialResponse,
  statusRequest,
  statusResponse,
  type AgentErrorCode,
  type BundleResponse,
  type DesiredResponse,
  type StatusRequest,
  type StatusResponse,
  type ClusterFactsWire,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RotateCredentialResponse,
} from './agent-protocol';

// What each path of the agent protocol accepts and answers, with examples: the data that
// agent-protocol.openapi.ts renders as OpenAPI. Error messages are the hub's own.

/** Request shapes, described as the hub accepts them (zod input). */
export const REQUEST_SCHEMAS = {
  ClusterFacts: clusterFactsWire,
  AgentStatus: agentStatusWire,
  RegisterRequest: registerRequest,
  HeartbeatRequest: heartbeatRequest,
  RotateCredentialRequest: rotateCredentialRequest,
  StatusRequest: statusRequest,
};
/** Response shapes, described as the hub sends them (zod output). */
export const RESPONSE_SCHEMAS = {
  RegisterResponse: registerResponse,
  HeartbeatResponse: heartbeatResponse,
  RotateCredentialResponse: rotateCredentialResponse,
  DesiredResponse: desiredResponse,
  BundleResponse: bundleResponse,
  StatusResponse: statusResponse,
  AgentError: agentErrorResponse,
};
/** Every component schema of the document, by name, with the zod schema it is generated from. */
export const AGENT_PROTOCOL_SCHEMAS: Readonly<Record<SchemaName, z.ZodType>> = {
  ...REQUEST_SCHEMAS,
  ...RESPONSE_SCHEMAS,
};
/** The name of a component schema. */
export type SchemaName = keyof typeof REQUEST_SCHEMAS | keyof typeof RESPONSE_SCHEMAS;

/** How one error answer of one path is documented. */
export interface ErrorDoc {
  description: string;
  /** The message (and field) of the example answer. */
  message: string;
  field?: string;
}

/** What one path accepts and answers. */
export interface AgentOperation {
  method: 'get' | 'post';
  operationId: string;
  summary: string;
  description: string;
  /** Query parameters (GET). */
  query?: { name: string; description: string; schema: Record<string, unknown> }[];
  /** When the call may answer 304 Not Modified (empty body), what that means. */
  notModified?: string;
  /** False only for /register, whose token is in the body. */
  bearer: boolean;
  request?: { schema: SchemaName; example: unknown };
  success?: { status: 200 | 201; description: string; schema: SchemaName; example: unknown };
  errors: Partial<Record<AgentErrorCode, ErrorDoc>>;
}

const CLUSTER_ID = 'f60ef6f8-44b3-4cd4-8ddb-92f76590940b';
const CREDENTIAL = 'flt_cls_NAEHLoDhLBWy92-Qgju_zHg91FGHXtVSvMaDq7et0l0';
const FACTS: ClusterFactsWire = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12000,
  allocatableMemoryBytes: 50_465_865_728,
  agentVersion: '0.1.0',
};

/** Answers of every POST: the body rules are enforced before the body reaches its handler. */
const BODY_ERRORS = {
  PAYLOAD_TOO_LARGE: {
    description: `The body is over ${AGENT_MAX_BODY_BYTES} bytes; refused before it is parsed.`,
    message: `body: 70000 bytes is over the limit of ${AGENT_MAX_BODY_BYTES}`,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    description: 'The body is not `Content-Type: application/json` (an empty body included).',
    message: 'body: must be JSON (Content-Type: application/json)',
  },
} satisfies Partial<Record<AgentErrorCode, ErrorDoc>>;

/** Answers of every call that judges a credential. */
const SERVER_ERRORS = {
  UNAVAILABLE: {
    description:
      'The hub is starting or cannot reach its database. Retry after `Retry-After` seconds when ' +
      'given, else with backoff; never treated as a refused credential.',
    message: 'the hub is starting or cannot reach its database; retry shortly',
  },
  INTERNAL: { description: 'An unexpected error (logged on the hub).', message: 'internal error' },
} satisfies Partial<Record<AgentErrorCode, ErrorDoc>>;

const BAD_CREDENTIAL: ErrorDoc = {
  description:
    'No `Authorization: Bearer` header, or the credential is unknown, expired, rotated out past ' +
    'its grace period, or its cluster was deregistered (one answer for all).',
  message:
    'cluster credential is not valid (expired, rotated out, or the cluster was deregistered)',
};

const APP_ID = '3b1f4c2e-8a9d-5e6f-9a0b-1c2d3e4f5a6b';
const BUNDLE_ID = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f1a3c5e7b9d1f';
const COMMIT = '4d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e';
const OBSERVED = '2026-03-25T10:00:05.000Z';

/** One entry per path of {@link AGENT_PATHS}: a new path does not compile until it is described. */
export const AGENT_OPERATIONS: Record<keyof typeof AGENT_PATHS, AgentOperation> = {
  register: {
    method: 'post',
    operationId: 'register',
    summary: 'Register a cluster with a one-time token',
    description:
      'Exchanges a registration token for a cluster id and a per-cluster credential, shown once ' +
      '(the hub keeps only its hash). Labels from the token override those the agent asks for. ' +
      'Every refused registration counts against the client address; past ' +
      '`REGISTER_FAILURES_PER_MINUTE` (default 10) the address gets 429 until the minute ends.',
    bearer: false,
    request: {
      schema: 'RegisterRequest',
      example: {
        token: 'flt_reg_CATFZ2_QUZE_akc1IG6BrK-GcFEPnP7aYumL0UH1-ZM',
        name: 'eu-west-1',
        labels: { region: 'eu-west', tier: 'edge' },
        facts: FACTS,
      } satisfies RegisterRequest,
    },
    success: {
      status: 201,
      description:
        'Registered. Store the credential before anything else: it is never shown again.',
      schema: 'RegisterResponse',
      example: {
        clusterId: CLUSTER_ID,
        tenant: 'team-a',
        name: 'eu-west-1',
        labels: { env: 'prod', region: 'eu-west', tier: 'edge' },
        credential: CREDENTIAL,
        credentialExpiresAt: '2026-03-31T10:00:00.000Z',
        heartbeatIntervalSeconds: 30,
      } satisfies RegisterResponse,
    },
    errors: {
      BAD_REQUEST: {
        description:
          'The body does not match RegisterRequest, or the name or labels break the Kubernetes ' +
          'naming rules; `field` names the first problem.',
        message: 'facts.nodeCount: Too small: expected number to be >=0',
        field: 'facts.nodeCount',
      },
      UNAUTHENTICATED: {
        description:
          'The token is expired, revoked, used up or unknown: one identical answer for all.',
        message: 'registration token is not valid',
      },
      CONFLICT: {
        description:
          'The tenant already has a cluster of that name and the token may not replace it.',
        message: 'name: cluster eu-west-1 already exists in tenant team-a',
        field: 'name',
      },
      ...BODY_ERRORS,
      RATE_LIMITED: {
        description:
          'Too many failed registrations from this client address this minute, whatever the ' +
          'token; retry after `Retry-After` seconds.',
        message: 'too many failed registrations from 203.0.113.7; retry in 42 s',
      },
      ...SERVER_ERRORS,
    },
  },
  heartbeat: {
    method: 'post',
    operationId: 'heartbeat',
    summary: 'Report facts and status; learn the desired-state revision',
    description:
      'Send every `heartbeatIntervalSeconds`. Heartbeats are not events: the hub keeps the ' +
      'latest per cluster and records only transitions (facts changed, connectivity back to ' +
      'Ready).',
    bearer: true,
    request: {
      schema: 'HeartbeatRequest',
      example: {
        facts: FACTS,
        status: { state: 'Running' },
        appliedRevision: null,
      } satisfies HeartbeatRequest,
    },
    success: {
      status: 200,
      description: 'Recorded. Fetch /desired when desiredRevision differs from what is applied.',
      schema: 'HeartbeatResponse',
      example: {
        clusterId: CLUSTER_ID,
        desiredRevision: null,
        heartbeatIntervalSeconds: 30,
        credentialExpiresAt: '2026-03-31T10:00:00.000Z',
      } satisfies HeartbeatResponse,
    },
    errors: {
      BAD_REQUEST: {
        description: 'The body does not match HeartbeatRequest; `field` names the first problem.',
        message: 'status.state: Invalid option: expected one of "Running"|"Degraded"',
        field: 'status.state',
      },
      UNAUTHENTICATED: BAD_CREDENTIAL,
      FORBIDDEN: {
        description: 'The body names another cluster id than the credential’s own.',
        message: 'clusterId: the credential belongs to another cluster',
        field: 'clusterId',
      },
      ...BODY_ERRORS,
      ...SERVER_ERRORS,
    },
  },
  rotateCredential: {
    method: 'post',
    operationId: 'rotateCredential',
    summary: 'Replace the credential before it expires',
    description:
      'Answers a new credential, shown once. The old one keeps working until ' +
      '`previousValidUntil` (the grace period, default one hour, never past its own expiry), ' +
      'then stops. The body is an empty JSON object.',
    bearer: true,
    request: { schema: 'RotateCredentialRequest', example: {} },
    success: {
      status: 200,
      description: 'Rotated. Store the new credential, then use it for every later call.',
      schema: 'RotateCredentialResponse',
      example: {
        credential: 'flt_cls_WGhmUf-bxGhBUfyKJw46MkqgyMxzh28tTUU-iSDSLvk',
        credentialExpiresAt: '2026-04-24T10:00:00.000Z',
        previousValidUntil: '2026-03-25T11:00:00.000Z',
      } satisfies RotateCredentialResponse,
    },
    errors: {
      BAD_REQUEST: {
        description: 'The body is not an empty JSON object.',
        message: 'force: unknown field',
        field: 'force',
      },
      UNAUTHENTICATED: BAD_CREDENTIAL,
      ...BODY_ERRORS,
      ...SERVER_ERRORS,
    },
  },
  desired: {
    method: 'get',
    operationId: 'getDesiredState',
    summary: 'Long-poll the cluster’s desired state',
    description:
      'Answers at once when the cluster’s desired-state revision differs from `revision` (or ' +
      '`revision` is absent): every Application the cluster should run, with the bundle to ' +
      'fetch, and every deleted Application whose objects are to be removed. Otherwise the ' +
      'hub holds the request up to `waitSeconds` and answers as soon as the revision changes, ' +
      'or 304 when it did not. Send the answer’s `revision` back to wait for the next change.',
    bearer: true,
    query: [
      {
        name: 'revision',
        description: 'The revision the agent holds (absent on the first call).',
        schema: { type: 'string', maxLength: 128 },
      },
      {
        name: 'waitSeconds',
        description: `How long to hold the request while nothing changes (0 to ${DESIRED_MAX_WAIT_SECONDS}).`,
        schema: { type: 'integer', minimum: 0, maximum: DESIRED_MAX_WAIT_SECONDS, default: 30 },
      },
    ],
    notModified: 'Nothing changed within `waitSeconds`: ask again with the same revision.',
    success: {
      status: 200,
      description: 'The cluster’s whole desired state at `revision`.',
      schema: 'DesiredResponse',
      example: {
        clusterId: CLUSTER_ID,
        revision: '5b9e0c7d3a1f4e2b8c6d0a9f7e5b3c1d',
        applications: [
          {
            id: APP_ID,
            name: 'eu-west-1-web',
            namespace: 'web',
            bundleId: BUNDLE_ID,
            commit: COMMIT,
            prune: true,
            selfHeal: false,
          },
        ],
        removals: [{ id: 'a7c5e3b1-9d7f-5b3a-8c1e-2f4a6b8c0d2e', preserveResources: false }],
      } satisfies DesiredResponse,
    },
    errors: {
      BAD_REQUEST: {
        description: 'A query parameter is out of range; `field` names it.',
        message: 'waitSeconds: Too big: expected number to be <=60',
        field: 'waitSeconds',
      },
      UNAUTHENTICATED: BAD_CREDENTIAL,
      ...SERVER_ERRORS,
    },
  },
  bundle: {
    method: 'get',
    operationId: 'getBundle',
    summary: 'Fetch a bundle of manifests by its content id',
    description:
      'The rendered manifests of one of the cluster’s current Applications. A bundle never ' +
      'changes: the answer carries `ETag: "<bundleId>"` and `Cache-Control: immutable`, and ' +
      '`If-None-Match` answers 304. A bundle that no current Application of this cluster runs ' +
      'is 404, exactly as one that does not exist.',
    bearer: true,
    notModified: 'The agent holds this bundle already (`If-None-Match`).',
    success: {
      status: 200,
      description: 'The bundle.',
      schema: 'BundleResponse',
      example: {
        id: BUNDLE_ID,
        objectCount: 1,
        manifests: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'web-config', namespace: 'web' },
            data: { LOG_LEVEL: 'info' },
          },
        ],
      } satisfies BundleResponse,
    },
    errors: {
      BAD_REQUEST: {
        description: 'The id is not a SHA-256 hex digest.',
        message: 'bundleId: must be a SHA-256 hex digest',
        field: 'bundleId',
      },
      UNAUTHENTICATED: BAD_CREDENTIAL,
      NOT_FOUND: {
        description:
          'No current Application of this cluster runs this bundle (its desired state moved on, ' +
          'or the bundle is another cluster’s, or it does not exist): fetch /desired again.',
        message: `bundleId: no bundle ${BUNDLE_ID} among this cluster's Applications; fetch /desired again`,
        field: 'bundleId',
      },
      ...SERVER_ERRORS,
    },
  },
  status: {
    method: 'post',
    operationId: 'reportStatus',
    summary: 'Report per-Application sync, health, drift and removals',
    description:
      'What changed on the cluster since the last accepted report: each Application’s sync ' +
      'and health (Argo CD’s codes), the resources that are not Synced and Healthy, drift of ' +
      'the managed fields (and whether self-heal corrected it), and what removing deleted ' +
      'Applications did. The hub appends events only for real changes, so resending a report ' +
      `is harmless. Bodies up to ${AGENT_MAX_STATUS_BODY_BYTES} bytes.`,
    bearer: true,
    request: {
      schema: 'StatusRequest',
      example: {
        revision: '5b9e0c7d3a1f4e2b8c6d0a9f7e5b3c1d',
        applications: [
          {
            id: APP_ID,
            commit: COMMIT,
            bundleId: BUNDLE_ID,
            sync: 'Synced',
            health: 'Degraded',
            message: '',
            resourceCount: 3,
            problems: [
              {
                group: 'apps',
                version: 'v1',
                kind: 'Deployment',
                namespace: 'web',
                name: 'web',
                sync: 'Synced',
                health: 'Degraded',
                message: 'Deployment "web" exceeded its progress deadline',
              },
            ],
            drift: [],
            driftCorrected: false,
            observedAt: OBSERVED,
          },
        ],
        removed: [
          {
            id: 'a7c5e3b1-9d7f-5b3a-8c1e-2f4a6b8c0d2e',
            removed: 4,
            preserved: false,
            observedAt: OBSERVED,
          },
        ],
      } satisfies StatusRequest,
    },
    success: {
      status: 200,
      description: 'Recorded: how many entries were accepted and how many events they appended.',
      schema: 'StatusResponse',
      example: { accepted: 2, eventsAppended: 2 } satisfies StatusResponse,
    },
    errors: {
      BAD_REQUEST: {
        description:
          'The body does not match StatusRequest, names an Application twice, or names an ' +
          'Application that is not this cluster’s: nothing of the report is recorded.',
        message:
          'Application 0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f7a is not an Application of this cluster; nothing was recorded',
        field: 'applications[0].id',
      },
      UNAUTHENTICATED: BAD_CREDENTIAL,
      ...BODY_ERRORS,
      PAYLOAD_TOO_LARGE: {
        description: `The body is over ${AGENT_MAX_STATUS_BODY_BYTES} bytes; refused before it is parsed.`,
        message: `body: 5000000 bytes is over the limit of ${AGENT_MAX_STATUS_BODY_BYTES}`,
      },
      ...SERVER_ERRORS,
    },
  },
};
