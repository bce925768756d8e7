import type { z } from 'zod';
import {
  AGENT_MAX_BODY_BYTES,
  type AGENT_PATHS,
  agentErrorResponse,
  agentStatusWire,
  clusterFactsWire,
  heartbeatRequest,
  heartbeatResponse,
  registerRequest,
  registerResponse,
  rotateCredentialRequest,
  rotateCredentialResponse,
  type AgentErrorCode,
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
};
/** Response shapes, described as the hub sends them (zod output). */
export const RESPONSE_SCHEMAS = {
  RegisterResponse: registerResponse,
  HeartbeatResponse: heartbeatResponse,
  RotateCredentialResponse: rotateCredentialResponse,
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
  /** Reserved for the delivery issue: answers 501 NOT_IMPLEMENTED until then. */
  reserved?: true;
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

const INVALID_JSON: ErrorDoc = {
  description: 'The body is not valid JSON.',
  message: 'body: not valid JSON (Unexpected end of JSON input)',
};

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

const RESERVED: ErrorDoc = {
  description: 'Reserved for delivery: this hub does not serve the path yet.',
  message: 'reserved for delivery: this hub does not serve it yet',
};

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
    summary: 'Reserved: long-poll the cluster’s desired state',
    description: 'Reserved for the delivery issue; answers 501 NOT_IMPLEMENTED until then.',
    reserved: true,
    bearer: true,
    errors: { NOT_IMPLEMENTED: RESERVED },
  },
  bundle: {
    method: 'get',
    operationId: 'getBundle',
    summary: 'Reserved: fetch a bundle of manifests by its content id',
    description: 'Reserved for the delivery issue; answers 501 NOT_IMPLEMENTED until then.',
    reserved: true,
    bearer: true,
    errors: { NOT_IMPLEMENTED: RESERVED },
  },
  status: {
    method: 'post',
    operationId: 'reportStatus',
    summary: 'Reserved: report per-Application sync and health status',
    description:
      'Reserved for the delivery issue; answers 501 NOT_IMPLEMENTED until then. The body rules ' +
      'of every POST already apply.',
    reserved: true,
    bearer: true,
    errors: { BAD_REQUEST: INVALID_JSON, ...BODY_ERRORS, NOT_IMPLEMENTED: RESERVED },
  },
};
