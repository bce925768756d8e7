import { ConfigError, parseConfig } from './parse-config';
import { randomBytes } from 'node:crypto';
import { agentConfigSchema, hubConfigSchema, workerConfigSchema } from './schemas';

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

  describe('SECRETS_KEYS', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const keys = (value: string | undefined) =>
      parseConfig(workerConfigSchema, { SECRETS_KEYS: value }).SECRETS_KEYS;
    const problem = (value: string) => {
      try {
        keys(value);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        const problems = (error as ConfigError).problems;
        expect(problems.map((p) => p.variable)).toEqual(['SECRETS_KEYS']);
        // The message must not echo a key back into the logs.
        expect(problems[0]?.message).not.toContain(k1.toString('base64'));
        return problems[0]?.message;
      }
      throw new Error('expected a ConfigError');
    };

    it('parses id:base64 entries in order, the first being the active key', () => {
      const parsed = keys(` k2026:${k2.toString('base64')} , old.2025:${k1.toString('base64')}`);
      expect(parsed).toEqual([
        { id: 'k2026', key: k2 },
        { id: 'old.2025', key: k1 },
      ]);
      expect(parsed[0]?.key).toBeInstanceOf(Buffer);
    });

    it('accepts base64url keys too', () => {
      expect(keys(`k:${k1.toString('base64url')}`)).toEqual([{ id: 'k', key: k1 }]);
    });

    it.each([undefined, '', '  '])('is an empty list when unset or blank (%j)', (value) => {
      expect(keys(value)).toEqual([]);
      expect(
        parseConfig(hubConfigSchema, { AUTH_JWT_SECRET: secret, SECRETS_KEYS: value }).SECRETS_KEYS,
      ).toEqual([]);
    });

    it.each([
      ['a 16-byte key', `k:${randomBytes(16).toString('base64')}`, /entry 1 .*32 random bytes/],
      ['a 33-byte key', `k:${randomBytes(33).toString('base64')}`, /entry 1 .*32 random bytes/],
      ['no id', k1.toString('base64'), /entry 1 must be id:base64/],
      ['an empty second entry', `k:${k1.toString('base64')},`, /entry 2 /],
      ['an id with spaces', `my key:${k1.toString('base64')}`, /entry 1 /],
      ['an id over 32 characters', `${'k'.repeat(33)}:${k1.toString('base64')}`, /entry 1 /],
    ])('refuses %s and says how to make a key', (_, value, message) => {
      const text = problem(value);
      expect(text).toMatch(message);
      expect(text).toMatch(/openssl rand -base64 32/);
    });

    it('refuses a key id that appears twice', () => {
      expect(problem(`k:${k1.toString('base64')},k:${k2.toString('base64')}`)).toMatch(
        /key id k appears twice/,
      );
    });
  });

  describe('agent', () => {
    const base = {
      FLOTILLA_HUB_URL: 'https://hub.example.com',
      FLOTILLA_CLUSTER_NAME: 'east-1',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    };
    const problems = (env: Record<string, string | undefined>) => {
      try {
        parseConfig(agentConfigSchema, { ...base, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems;
      }
      throw new Error('expected a ConfigError');
    };

    it('defaults to the Secret store and parses labels', () => {
      const config = parseConfig(agentConfigSchema, {
        ...base,
        FLOTILLA_CLUSTER_LABELS: 'region=eu-west, example.com/tier=gold,empty=',
      });
      expect(config).toMatchObject({
        FLOTILLA_CREDENTIAL_STORE: 'secret',
        FLOTILLA_CREDENTIAL_SECRET: 'flotilla-agent-credential',
        FLOTILLA_CLUSTER_LABELS: { region: 'eu-west', 'example.com/tier': 'gold', empty: '' },
      });
      expect(parseConfig(agentConfigSchema, base).FLOTILLA_CLUSTER_LABELS).toEqual({});
    });

    it('assesses drift every 180 s unless DRIFT_INTERVAL_SECONDS says otherwise (at least 5)', () => {
      expect(parseConfig(agentConfigSchema, base).DRIFT_INTERVAL_SECONDS).toBe(180);
      expect(
        parseConfig(agentConfigSchema, { ...base, DRIFT_INTERVAL_SECONDS: '30' })
          .DRIFT_INTERVAL_SECONDS,
      ).toBe(30);
      expect(problems({ DRIFT_INTERVAL_SECONDS: '1' })).toEqual([
        { variable: 'DRIFT_INTERVAL_SECONDS', message: 'must be at least 5' },
      ]);
    });

    it.each([
      ['region', /entry 1 must be key=value/],
      ['a=b,,c=d', /entry 2 must be key=value/],
      ['a=b=c', /entry 1 must be key=value/],
      ['-a=b', /key -a: the name must be/],
      ['a_=b', /key a_: the name must be/],
      [`${'k'.repeat(64)}=v`, /the name must be at most 63/],
      ['Example.com/a=b', /the prefix must be a DNS subdomain/],
      ['/a=b', /the prefix must be a DNS subdomain/],
      ['a=-b', /value of a: must be empty or/],
      [`a=${'v'.repeat(64)}`, /value of a: must be empty or at most 63/],
      ['a=1,a=2', /key a appears twice/],
    ])('refuses the labels %p naming the problem', (labels, message) => {
      const found = problems({ FLOTILLA_CLUSTER_LABELS: labels });
      expect(found.map((p) => p.variable)).toEqual(['FLOTILLA_CLUSTER_LABELS']);
      expect(found[0]?.message).toMatch(message);
    });

    it.each([
      [{ FLOTILLA_HUB_URL: 'not a url' }, 'FLOTILLA_HUB_URL', /must be the hub URL/],
      [{ FLOTILLA_CLUSTER_NAME: 'East_1' }, 'FLOTILLA_CLUSTER_NAME', /DNS label/],
      [{ FLOTILLA_CREDENTIAL_STORE: 'vault' }, 'FLOTILLA_CREDENTIAL_STORE', /secret or file/],
      [{ FLOTILLA_CREDENTIAL_STORE: 'file' }, 'FLOTILLA_CREDENTIAL_FILE', /required with/],
      [
        { FLOTILLA_REGISTRATION_TOKEN: 't', FLOTILLA_REGISTRATION_TOKEN_FILE: '/t' },
        'FLOTILLA_REGISTRATION_TOKEN_FILE',
        /both set/,
      ],
      [{ FLOTILLA_NAMESPACE: 'Flotilla' }, 'FLOTILLA_NAMESPACE', /namespace name/],
      [{ KUBERNETES_SERVICE_HOST: undefined }, 'KUBECONFIG', /required outside a cluster/],
    ])('names the variable and the problem: %j', (env, variable, message) => {
      const found = problems(env);
      expect(found.map((p) => p.variable)).toEqual([variable]);
      expect(found[0]?.message).toMatch(message);
    });

    it('says what is missing', () => {
      expect(() => parseConfig(agentConfigSchema, {})).toThrow(
        /FLOTILLA_HUB_URL: is required\nFLOTILLA_CLUSTER_NAME: is required/,
      );
    });
  });
});
