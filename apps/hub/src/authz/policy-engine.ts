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

/** A compiled policy: answers "may this caller do this action on this object?". */
export class PolicyEngine {
  private constructor(private readonly enforcer: Enforcer) {}

  /** Builds an engine from policy lines (already validated by `parsePolicyCsv`). */
  static async create(lines: readonly string[]): Promise<PolicyEngine> {
    const enforcer = await newEnforcer(
      newModelFromString(RBAC_MODEL),
      new StringAdapter(lines.join('\n')),
    );
    return new PolicyEngine(enforcer);
  }

  /**
   * True when the caller's subject or any of its groups is allowed (as Argo CD checks claims:
   * each subject is evaluated on its own, and a deny applies to the subject it names).
   */
  can(principal: Principal, resource: string, action: string, object: string): boolean {
    if (this.enforcer.enforceSync(principal.sub, resource, action, object)) return true;
    return principal.groups.some((group) =>
      this.enforcer.enforceSync(group, resource, action, object),
    );
  }
}
