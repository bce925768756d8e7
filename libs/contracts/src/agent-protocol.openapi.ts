import { z } from 'zod';
import {
  AGENT_API_PREFIX,
  AGENT_ERROR_STATUS,
  AGENT_PATHS,
  type AgentErrorCode,
} from './agent-protocol';
import {
  AGENT_OPERATIONS,
  REQUEST_SCHEMAS,
  RESPONSE_SCHEMAS,
  type AgentOperation,
  type ErrorDoc,
  type SchemaName,
} from './agent-protocol.operations';

// The OpenAPI 3.1 description of the agent protocol, built from the wire schemas so that it
// cannot drift from what the hub validates. `npm run openapi:print` writes it to
// docs/agent-protocol.openapi.json; a unit test fails when that file is stale.

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** Generates the component schemas from the zod wire schemas, shared parts as `$ref`s. */
function componentSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sets = [
    ['input', REQUEST_SCHEMAS],
    ['output', RESPONSE_SCHEMAS],
  ] as const;
  for (const [io, schemas] of sets) {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
    const generated = z.toJSONSchema(registry, {
      io,
      uri: (id) => `#/components/schemas/${id}`,
    }).schemas;
    for (const [id, schema] of Object.entries(generated)) {
      // Components are not documents: no $schema, and their $id would be a fragment URI.
      const { $schema: _schema, $id: _id, ...rest } = schema;
      if (id in out) throw new Error(`component schema ${id} is both a request and a response`);
      out[id] = rest;
    }
  }
  return out;
}

function errorResponse(code: AgentErrorCode, doc: ErrorDoc) {
  const retryAfter =
    code === 'RATE_LIMITED' || code === 'UNAVAILABLE'
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds to wait before trying again.',
              required: code === 'RATE_LIMITED',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        }
      : {};
  const error = { code, message: doc.message, ...(doc.field ? { field: doc.field } : {}) };
  return {
    description: `${code}: ${doc.description}`,
    ...retryAfter,
    content: { 'application/json': { schema: ref('AgentError'), example: { error } } },
  };
}

function operationObject(op: AgentOperation) {
  const responses: Record<string, unknown> = {};
  if (op.success) {
    responses[String(op.success.status)] = {
      description: op.success.description,
      content: {
        'application/json': { schema: ref(op.success.schema), example: op.success.example },
      },
    };
  }
  if (op.notModified) responses['304'] = { description: `Not Modified: ${op.notModified}` };
  const errors = Object.entries(op.errors) as [AgentErrorCode, ErrorDoc][];
  for (const [code, doc] of errors.sort(
    ([a], [b]) => AGENT_ERROR_STATUS[a] - AGENT_ERROR_STATUS[b],
  )) {
    responses[String(AGENT_ERROR_STATUS[code])] = errorResponse(code, doc);
  }
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    security: op.bearer ? [{ bearerAuth: [] }] : [],
    ...(op.request
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref(op.request.schema), example: op.request.example },
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The agent protocol as an OpenAPI 3.1 document: paths from {@link AGENT_PATHS} (relative to the
 * server URL, which ends in {@link AGENT_API_PREFIX}), schemas from the zod wire schemas.
 */
export function agentProtocolOpenApi(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(AGENT_PATHS) as [keyof typeof AGENT_PATHS, string][]) {
    const op = AGENT_OPERATIONS[name];
    // Express writes path parameters as `:name`; OpenAPI as `{name}`, each declared.
    const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
    const parameters = [
      ...params.map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
      ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: false })),
    ];
    paths[path.replace(/:(\w+)/g, '{$1}')] = {
      [op.method]: { ...operationObject(op), ...(parameters.length ? { parameters } : {}) },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flotilla agent protocol',
      version: '1.0.0',
      description:
        'REST JSON between the Flotilla agent in each cluster and the hub. Every answer that is ' +
        'not a success is `{"error": {"code", "message", "field"?}}`. See docs/agent-protocol.md.',
    },
    servers: [
      {
        url: `{hub}${AGENT_API_PREFIX}`,
        description: `The hub; every path is under ${AGENT_API_PREFIX}.`,
        variables: { hub: { default: 'https://flotilla.example.com' } },
      },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'flt_cls_<43 base64url characters>',
          description:
            'The per-cluster credential from /register or /credentials/rotate. It reaches only ' +
            'its own cluster.',
        },
      },
    },
  };
}

/** Recursively sorts object keys, so that the printed document has one stable order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The document as written to docs/agent-protocol.openapi.json: sorted keys, trailing newline. */
export function printAgentProtocolOpenApi(): string {
  return `${JSON.stringify(sortKeys(agentProtocolOpenApi()), null, 2)}\n`;
}
