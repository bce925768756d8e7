import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { DomainError } from '@flotilla/domain';
import type { Principal } from '../auth/principal';

/**
 * Argo CD's RBAC model, unchanged: `p, <subject>, <resource>, <action>, <object>, <allow|deny>`
 * and `g, <group or user>, <role>`; keyMatch globs; an explicit deny wins over any allow.
 */
export const RBAC_MODEL = `
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && keyMatch(r.res, p.res) && keyMatch(r.act, p.act) && keyMatch(r.obj, p.obj)
`;

/** The platform-wide roles every installation has. */
export const BUILTIN_POLICY = [
  'p, role:platform-admin, *, *, *, allow',
  'g, flotilla:platform-admins, role:platform-admin',
];

const LINE = /^\s*(p|g)\s*,(.*)$/;

/**
 * Parses policy CSV in Argo CD's shape. Blank lines and `#` comments are skipped; any other bad
 * line is an error naming its source and line number.
 */
export function parsePolicyCsv(text: string, source: string): string[] {
  const lines: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${index + 1}`;
    const match = LINE.exec(line);
    if (!match)
      throw new DomainError(
        'BAD_USER_INPUT',
        `${where}: a policy line starts with "p," or "g,"`,
        source,
      );
    const fields = (match[2] ?? '').split(',').map((f) => f.trim());
    if (match[1] === 'p') {
      if (fields.length !== 5 || fields.some((f) => f === '')) {
        throw new DomainError(
          'BAD_USER_INPUT',
          `${where}: expected "p, subject, resource, action, object, allow|deny"`,
          source,
        );
      }
      if (fields[4] !== 'allow' && fields[4] !== 'deny') {
        throw new DomainError(
          'BAD_USER_INPUT',
          `${where}: the effect must be allow or deny, not "${fields[4]}"`,
          source,
        );
      }
    } else if (fields.length !== 2 || fields.some((f) => f === '')) {
      throw new DomainError('BAD_USER_INPUT', `${where}: expected "g, subject, role"`, source);
    }
    lines.push(`${match[1]}, ${fields.join(', ')}`);
  });
  return lines;
}

/** Policy lines and the tenant they are about (null: the whole platform). */
export interface ScopedPolicy {
  tenant: string | null;
  lines: readonly string[];
}

type Shard = { key: string; enforcer: Enforcer };

const MAX_CACHED_DECISIONS = 100_000;

async function compile(lines: readonly string[]): Promise<Enforcer> {
  return newEnforcer(newModelFromString(RBAC_MODEL), new StringAdapter(lines.join('\n')));
}

/**
 * A compiled policy: answers "may this caller do this action on this object?".
 *
 * Casbin evaluates every policy line for each decision, which costs tens of milliseconds at
 * 10,000 lines. Tenant lines only ever name their own tenant's objects (the domain validates
 * that), so the policy is sharded: one enforcer per tenant holding the platform lines plus that
 * tenant's, chosen by the object's tenant (`team-a` or `team-a/...`). Each decision then looks
 * at a few dozen lines, and the answer is the one the whole policy would give. Shards whose
 * lines did not change are carried over from the previous engine, so a change to one tenant
 * rebuilds one shard.
 */
export class PolicyEngine {
  private readonly decisions = new Map<string, boolean>();

  private constructor(
    private readonly platform: Shard,
    private readonly shards: ReadonlyMap<string, Shard>,
  ) {}

  /** Builds an engine from validated policy lines, reusing unchanged shards of `previous`. */
  static async create(
    policies: readonly ScopedPolicy[],
    previous?: PolicyEngine,
  ): Promise<PolicyEngine> {
    const platformLines = [
      ...BUILTIN_POLICY,
      ...policies.filter((p) => p.tenant === null).flatMap((p) => p.lines),
    ];
    const platformKey = platformLines.join('\n');
    const reuse = async (
      key: string,
      lines: readonly string[],
      old: Shard | undefined,
    ): Promise<Shard> => (old?.key === key ? old : { key, enforcer: await compile(lines) });
    const platform = await reuse(platformKey, platformLines, previous?.platform);
    const byTenant = new Map<string, string[]>();
    for (const p of policies) {
      if (p.tenant !== null)
        byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), ...p.lines]);
    }
    const shards = new Map<string, Shard>();
    for (const [tenant, lines] of byTenant) {
      const all = [...platformLines, ...lines];
      shards.set(tenant, await reuse(all.join('\n'), all, previous?.shards.get(tenant)));
    }
    return new PolicyEngine(platform, shards);
  }

  /**
   * True when the caller's subject or any of its groups is allowed (as Argo CD checks claims:
   * each subject is evaluated on its own, and a deny applies to the subject it names).
   */
  can(principal: Principal, resource: string, action: string, object: string): boolean {
    const tenant = object.split('/', 1)[0] ?? '';
    const enforcer = (this.shards.get(tenant) ?? this.platform).enforcer;
    const decide = (subject: string): boolean => {
      // Decisions are cached for the life of this engine: a policy change builds a new engine.
      const key = `${subject}\u0000${resource}\u0000${action}\u0000${object}`;
      let allowed = this.decisions.get(key);
      if (allowed === undefined) {
        allowed = enforcer.enforceSync(subject, resource, action, object);
        if (this.decisions.size >= MAX_CACHED_DECISIONS) this.decisions.clear();
        this.decisions.set(key, allowed);
      }
      return allowed;
    };
    return decide(principal.sub) || principal.groups.some(decide);
  }

  /** How many policy lines the engine holds (platform lines counted once). */
  get size(): number {
    const platformSize = this.platform.key.split('\n').length;
    let total = platformSize;
    for (const shard of this.shards.values()) total += shard.key.split('\n').length - platformSize;
    return total;
  }
}
