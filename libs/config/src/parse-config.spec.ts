import { ConfigError, parseConfig } from './parse-config';
import { hubConfigSchema, workerConfigSchema } from './schemas';

const secret = 'x'.repeat(32);

describe('configuration', () => {
  it('applies defaults and freezes the result', () => {
    const config = parseConfig(hubConfigSchema, { AUTH_JWT_SECRET: secret });
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/flotilla',
      REDIS_URL: 'redis://127.0.0.1:6379',
      MIGRATE_ON_START: true,
      AUTH_AUDIENCE: 'flotilla',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /port number/],
    [{ PORT: '70000' }, 'PORT', /65535/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres:\/\//],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', /redis:\/\//],
    [{ MIGRATE_ON_START: 'yes' }, 'MIGRATE_ON_START', /true or false/],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET', /32 characters/],
    [{ AUTH_JWT_SECRET: undefined }, 'AUTH_JWT_SECRET', /AUTH_JWKS_URL is required/],
    [{ AUTH_JWKS_URL: 'https://idp/jwks' }, 'AUTH_ISSUER', /required with AUTH_JWKS_URL/],
  ])('names the variable and the problem: %j', (env, variable, message) => {
    try {
      parseConfig(hubConfigSchema, { AUTH_JWT_SECRET: secret, ...env });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problem = (error as ConfigError).problems.find((p) => p.variable === variable);
      expect(problem?.message).toMatch(message);
    }
  });

  it('reports every problem at once', () => {
    expect(() =>
      parseConfig(workerConfigSchema, { DATABASE_URL: 'x', WORKER_CONCURRENCY: '0' }),
    ).toThrow(/DATABASE_URL: .*\nWORKER_CONCURRENCY: /);
  });
});
