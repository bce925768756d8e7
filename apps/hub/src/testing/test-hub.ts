import { hubConfigSchema, parseConfig, type HubConfig } from '@flotilla/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SignJWT } from 'jose';
import pino, { type Logger } from 'pino';
import { FleetRuntime } from '../clusters/fleet-runtime';
import { createHub, type HubOptions } from '../hub';

export const TEST_JWT_SECRET = 'test-secret-for-flotilla-hub-0123456789';

/** A hub listening on a free port, for integration tests. */
export interface TestHub {
  app: NestExpressApplication;
  url: string;
  config: HubConfig;
  /** POSTs a GraphQL operation; returns the parsed body and the HTTP status. */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: string; field?: string } }[];
    };
    headers: Headers;
  }>;
  close(): Promise<void>;
}

export async function startTestHub(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: HubOptions & { logger?: Logger } = {},
): Promise<TestHub> {
  const config = parseConfig(hubConfigSchema, {
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const { logger = pino({ level: 'silent' }), ...hubOptions } = options;
  const app = await createHub(config, logger, hubOptions);
  await app.listen(0, '127.0.0.1');
  // The fleet runtime loads in the background; tests start once it can judge credentials.
  const fleet = app.get(FleetRuntime);
  for (const deadline = Date.now() + 10_000; !fleet.ready;) {
    if (Date.now() > deadline) throw new Error('test hub: fleet runtime did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    config,
    async graphql(query, variables, token, headers = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as never, headers: res.headers };
    },
    close: () => app.close(),
  };
}

/** Signs a user token as an identity provider would (HS256 with the test secret by default). */
export async function signToken(
  claims: { sub?: string; groups?: string[]; aud?: string; expiresIn?: string | number },
  secret = TEST_JWT_SECRET,
): Promise<string> {
  let jwt = new SignJWT({ ...(claims.groups ? { groups: claims.groups } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setAudience(claims.aud ?? 'flotilla')
    .setExpirationTime(claims.expiresIn ?? '1h');
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  return jwt.sign(new TextEncoder().encode(secret));
}
