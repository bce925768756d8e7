import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENT_ERROR_STATUS,
  AGENT_PATHS,
  agentErrorCodes,
  agentErrorResponse,
  type AgentErrorCode,
} from './agent-protocol';
import { agentProtocolOpenApi, printAgentProtocolOpenApi } from './agent-protocol.openapi';
import { AGENT_PROTOCOL_SCHEMAS } from './agent-protocol.operations';

const FILE = 'docs/agent-protocol.openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = Record<string, unknown>;
interface Operation {
  security: Json[];
  requestBody?: { content: Record<string, { schema: { $ref: string }; example: unknown }> };
  responses: Record<
    string,
    {
      description: string;
      headers?: Record<string, { required: boolean }>;
      content?: Record<string, { schema: { $ref: string }; example: unknown }>;
    }
  >;
  parameters?: { name: string; in: string }[];
}

const doc = agentProtocolOpenApi() as {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);

/** Resolves a local JSON pointer (`#/a/b~1c`) in the document, or undefined. */
function resolve(pointer: string): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

const schemaOf = (ref: string) => {
  const name = ref.replace('#/components/schemas/', '') as keyof typeof AGENT_PROTOCOL_SCHEMAS;
  const schema = AGENT_PROTOCOL_SCHEMAS[name];
  if (!schema) throw new Error(`no zod schema for ${ref}`);
  return schema;
};

describe('agent protocol OpenAPI document', () => {
  it(`is what ${FILE} holds (else run \`npm run openapi:print\`)`, () => {
    const committed = readFileSync(join(__dirname, '../../..', FILE), 'utf8');
    // Compared compactly: content and key order must match; whitespace is Prettier's business.
    const expected = JSON.stringify(JSON.parse(printAgentProtocolOpenApi()));
    let actual: string;
    try {
      actual = JSON.stringify(JSON.parse(committed));
    } catch {
      actual = '(not JSON)';
    }
    if (actual !== expected || !committed.endsWith('}\n')) {
      throw new Error(`${FILE} is stale: run \`npm run openapi:print\` and commit the result`);
    }
  });

  it('prints the same text every time, with sorted keys and a trailing newline', () => {
    const printed = printAgentProtocolOpenApi();
    expect(printAgentProtocolOpenApi()).toBe(printed);
    expect(printed.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(printed))).toEqual([
      'components',
      'info',
      'openapi',
      'paths',
      'servers',
    ]);
  });

  it('looks like OpenAPI 3.1 with the agent API prefix as server', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.servers.map((s) => s.url)).toEqual(['{hub}/api/agent/v1']);
    expect(doc.components.securitySchemes['bearerAuth']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const schema of Object.values(doc.components.schemas)) {
      expect(schema).not.toHaveProperty('$schema');
      expect(schema).not.toHaveProperty('$id');
    }
  });

  it('has exactly the paths of AGENT_PATHS, each with a known method and unique operation id', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      Object.values(AGENT_PATHS)
        .map((p) => p.replace(/:(\w+)/g, '{$1}'))
        .sort(),
    );
    for (const { method } of operations) expect(METHODS).toContain(method);
    const ids = operations.map(({ op }) => (op as unknown as Json)['operationId']);
    expect(new Set(ids).size).toBe(operations.length);
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    const dangling = refs.filter((ref) => resolve(ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it('gives every path responses, each with a description', () => {
    for (const { path, method, op } of operations) {
      const responses = Object.entries(op.responses);
      expect({ path, method, answers: responses.length > 0 }).toEqual({
        path,
        method,
        answers: true,
      });
      for (const [status, response] of responses) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(response.description).toBeTruthy();
      }
    }
  });

  it('requires the credential on every path but /register', () => {
    for (const { path, op } of operations) {
      expect({ path, security: op.security }).toEqual({
        path,
        security: path === AGENT_PATHS.register ? [] : [{ bearerAuth: [] }],
      });
    }
  });

  it('answers the documented error codes on each path', () => {
    const codes = (path: string) =>
      Object.values(Object.values(doc.paths[path] ?? {})[0]?.responses ?? {})
        .map(
          (r) =>
            (r.content?.['application/json']?.example as { error?: { code: string } })?.error?.code,
        )
        .filter((code) => code !== undefined)
        .sort();
    const body = ['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
    const server = ['INTERNAL', 'UNAVAILABLE'];
    expect(codes(AGENT_PATHS.register)).toEqual(
      [...body, ...server, 'UNAUTHENTICATED', 'CONFLICT', 'RATE_LIMITED'].sort(),
    );
    expect(codes(AGENT_PATHS.heartbeat)).toEqual(
      [...body, ...server, 'UNAUTHENTICATED', 'FORBIDDEN'].sort(),
    );
    expect(codes(AGENT_PATHS.rotateCredential)).toEqual(
      [...body, ...server, 'UNAUTHENTICATED'].sort(),
    );
    expect(codes(AGENT_PATHS.desired)).toEqual(
      [...server, 'BAD_REQUEST', 'UNAUTHENTICATED'].sort(),
    );
    expect(codes('/bundles/{bundleId}')).toEqual(
      [...server, 'BAD_REQUEST', 'UNAUTHENTICATED', 'NOT_FOUND'].sort(),
    );
    expect(codes(AGENT_PATHS.status)).toEqual([...body, ...server, 'UNAUTHENTICATED'].sort());
  });

  it('documents 304 and the query parameters of the long-poll and the bundle cache', () => {
    const desired = doc.paths[AGENT_PATHS.desired]?.['get'];
    expect(Object.keys(desired?.responses ?? {})).toContain('304');
    expect(desired?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:revision',
      'query:waitSeconds',
    ]);
    const bundle = doc.paths['/bundles/{bundleId}']?.['get'];
    expect(Object.keys(bundle?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '304', '404']),
    );
    expect(bundle?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:bundleId']);
    // Nothing is reserved any more: every path has a success answer.
    for (const { op } of operations) {
      expect(Object.keys(op.responses).some((s) => Number(s) < 300)).toBe(true);
    }
  });

  it('sends Retry-After with 429 (always) and 503 (when known)', () => {
    expect(doc.paths[AGENT_PATHS.register]?.['post']?.responses['429']?.headers).toEqual({
      'Retry-After': expect.objectContaining({ required: true }),
    });
    for (const { op } of operations) {
      const unavailable = op.responses['503'];
      if (unavailable) expect(unavailable.headers?.['Retry-After']?.required).toBe(false);
    }
  });

  it('has examples that the wire schemas accept, with error statuses that match their codes', () => {
    let checked = 0;
    for (const { path, op } of operations) {
      const bodies = [
        ...Object.values(op.requestBody?.content ?? {}).map((c) => ({ status: undefined, ...c })),
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          Object.values(r.content ?? {}).map((c) => ({ status, ...c })),
        ),
      ];
      for (const { status, schema, example } of bodies) {
        const parsed = schemaOf(schema.$ref).safeParse(example);
        expect({ path, status, issues: parsed.error?.issues ?? [] }).toEqual({
          path,
          status,
          issues: [],
        });
        if (schema.$ref.endsWith('/AgentError')) {
          const code: AgentErrorCode = agentErrorResponse.parse(example).error.code;
          expect(String(AGENT_ERROR_STATUS[code])).toBe(status);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // Every code of the closed set has a status, and no two share one.
    const statuses = agentErrorCodes.map((c) => AGENT_ERROR_STATUS[c]);
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});
