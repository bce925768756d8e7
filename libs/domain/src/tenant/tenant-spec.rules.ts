import { DomainError } from '../domain-error';
import { cronScheduleError, timeZoneError } from './cron-schedule';
import { compileGlobField } from './glob';
import { parseGoDuration } from './go-duration';
import { dns1123LabelErrors } from './label-rules';
import { compileLabelSelector } from './label-selector';
import { compilePathMatch } from './path-match';
import type { GroupKindPattern, SyncWindow, TenantRole, TenantSpec } from './tenant-spec.schema';

/**
 * The rules of a tenant spec beyond its shape, after Argo CD's `AppProject.ValidateProject`:
 * globs compile, `!*` is refused, no duplicates, role policies are well formed and scoped to this
 * tenant, sync windows have a valid cron, duration and time zone and match something.
 */

const bad = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);

function noDuplicates(values: readonly string[], field: string, what: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw bad(`${field}[${i}]`, `${what} ${JSON.stringify(v)} is listed twice`);
    seen.add(v);
  });
}

/** Source repository globs; `/` is the separator, as in Argo CD's `IsSourcePermitted`. */
function checkSources(spec: TenantSpec): void {
  spec.sourceRepos.forEach((entry, i) => {
    const field = `sourceRepos[${i}]`;
    if (entry === '!*')
      throw bad(field, "'!*' is invalid: denying every repository leaves nothing to allow");
    compileGlobField(entry.startsWith('!') ? entry.slice(1) : entry, field, '/');
  });
  noDuplicates(spec.sourceRepos, 'sourceRepos', 'source repository');
  spec.sourceReposDeny.forEach((entry, i) => {
    const field = `sourceReposDeny[${i}]`;
    if (entry.startsWith('!'))
      throw bad(field, 'entries are already denials; remove the leading "!"');
    if (entry === '*')
      throw bad(field, "'*' is invalid: denying every repository leaves nothing to allow");
    compileGlobField(entry, field, '/');
  });
  noDuplicates(spec.sourceReposDeny, 'sourceReposDeny', 'source repository');
}

function checkDestinations(spec: TenantSpec): void {
  spec.destinations.forEach((dest, i) => {
    const at = `destinations[${i}]`;
    compileLabelSelector(dest.clusterSelector, { field: `${at}.clusterSelector` });
    if (dest.namespaces.length === 0)
      throw bad(`${at}.namespaces`, "must list at least one namespace glob (e.g. '*')");
    dest.namespaces.forEach((ns, j) => {
      const field = `${at}.namespaces[${j}]`;
      if (ns === '!*')
        throw bad(field, "'!*' is invalid: denying every namespace leaves nothing to allow");
      compileGlobField(ns.startsWith('!') ? ns.slice(1) : ns, field);
    });
    noDuplicates(dest.namespaces, `${at}.namespaces`, 'namespace');
  });
}

function checkGroupKinds(list: readonly GroupKindPattern[], name: string): void {
  const seen = new Set<string>();
  list.forEach((gk, i) => {
    const at = `${name}[${i}]`;
    compilePathMatch(gk.group, `${at}.group`);
    if (gk.kind === '') throw bad(`${at}.kind`, "must not be empty (use '*' for every kind)");
    compilePathMatch(gk.kind, `${at}.kind`);
    const key = `${gk.group}/${gk.kind}`;
    if (seen.has(key))
      throw bad(
        at,
        `{group: ${JSON.stringify(gk.group)}, kind: ${JSON.stringify(gk.kind)}} is listed twice`,
      );
    seen.add(key);
  });
}

const ROLE_NAME_RE = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;
// Argo CD's project-scoped resources that exist in Flotilla, and Flotilla's own notification
// rules (object `<tenant>/notifications`).
const POLICY_RESOURCES = [
  'applications',
  'applicationsets',
  'clusters',
  'repositories',
  'notifications',
];
const POLICY_ACTIONS = ['get', 'create', 'update', 'delete', 'sync', 'override', '*'];
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Argo CD's `validatePolicy`: `p, proj:<tenant>:<role>, <resource>, <action>, <tenant>/<object>, allow|deny`. */
function policyError(tenant: string, role: string, policy: string): string | undefined {
  const parts = policy.split(',').map((p) => p.trim());
  if (parts.length !== 6 || parts[0] !== 'p')
    return "must be of the form 'p, sub, res, act, obj, eft'";
  const [, subject, resource, action, object, effect] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const expected = `proj:${tenant}:${role}`;
  if (subject !== expected) return `policy subject must be '${expected}', not '${subject}'`;
  if (!POLICY_RESOURCES.includes(resource)) {
    return `resource must be one of ${POLICY_RESOURCES.map((r) => `'${r}'`).join(', ')}, not '${resource}'`;
  }
  if (!POLICY_ACTIONS.includes(action) && !/^action\/.+$/.test(action))
    return `invalid action '${action}'`;
  if (!new RegExp(`^${escapeRe(tenant)}/[*\\w\\-.]+$`).test(object)) {
    return `object must be of form '${tenant}/*' or '${tenant}/<NAME>', not '${object}'`;
  }
  if (effect !== 'allow' && effect !== 'deny') return "effect must be 'allow' or 'deny'";
  return undefined;
}

/** Argo CD's `validateGroupName`: a group with a comma must be quoted; no quotes or control characters inside. */
function groupError(group: string): string | undefined {
  let name = group.trim();
  if (name.length > 1 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
  else if (name.includes(',')) return `group ${JSON.stringify(group)} must be quoted`;
  if (name === '') return 'group must not be empty';
  if (/["\n\r\t]/.test(name)) return `group ${JSON.stringify(group)} contains invalid characters`;
  return undefined;
}

function checkRoles(tenant: string, roles: readonly TenantRole[]): void {
  noDuplicates(
    roles.map((r) => r.name),
    'roles',
    'role',
  );
  roles.forEach((role, i) => {
    const at = `roles[${i}]`;
    if (!ROLE_NAME_RE.test(role.name)) {
      throw bad(
        `${at}.name`,
        `invalid role name ${JSON.stringify(role.name)}: must consist of alphanumeric characters, '-' or '_', and start and end with an alphanumeric character`,
      );
    }
    role.groups.forEach((g, j) => {
      const err = groupError(g);
      if (err) throw bad(`${at}.groups[${j}]`, err);
    });
    noDuplicates(role.groups, `${at}.groups`, 'group');
    role.policies.forEach((p, j) => {
      const err = policyError(tenant, role.name, p);
      if (err)
        throw bad(`${at}.policies[${j}]`, `invalid policy rule ${JSON.stringify(p)}: ${err}`);
    });
    noDuplicates(role.policies, `${at}.policies`, 'policy');
  });
}

function checkSyncWindows(windows: readonly SyncWindow[]): void {
  const seen = new Set<string>();
  windows.forEach((w, i) => {
    const at = `syncWindows[${i}]`;
    const cronErr = cronScheduleError(w.schedule);
    if (cronErr)
      throw bad(`${at}.schedule`, `invalid cron ${JSON.stringify(w.schedule)} (${cronErr})`);
    let ms: number;
    try {
      ms = parseGoDuration(w.duration);
    } catch (err) {
      throw bad(`${at}.duration`, (err as Error).message);
    }
    if (!(ms > 0))
      throw bad(`${at}.duration`, `must be positive, got ${JSON.stringify(w.duration)}`);
    const tzErr = timeZoneError(w.timeZone);
    if (tzErr) throw bad(`${at}.timeZone`, tzErr);
    for (const list of ['applications', 'clusters', 'namespaces'] as const) {
      w[list].forEach((g, j) => compileGlobField(g, `${at}.${list}[${j}]`));
    }
    if (w.applications.length + w.clusters.length + w.namespaces.length === 0) {
      throw bad(at, 'requires one of applications, clusters or namespaces');
    }
    const key = `${w.kind}\0${w.schedule}\0${w.duration}`;
    if (seen.has(key))
      throw bad(
        at,
        `a ${w.kind} window with schedule ${JSON.stringify(w.schedule)} and duration ${w.duration} already exists`,
      );
    seen.add(key);
  });
}

/** Throws a field-naming `DomainError('BAD_USER_INPUT')` for the first rule the spec breaks. */
export function checkTenantSpecRules(spec: TenantSpec): void {
  const nameErrs = dns1123LabelErrors(spec.name);
  if (nameErrs.length > 0)
    throw bad('name', `invalid tenant name ${JSON.stringify(spec.name)}: ${nameErrs.join('; ')}`);
  checkSources(spec);
  checkDestinations(spec);
  checkGroupKinds(spec.clusterResourceWhitelist, 'clusterResourceWhitelist');
  checkGroupKinds(spec.namespaceResourceBlacklist, 'namespaceResourceBlacklist');
  checkRoles(spec.name, spec.roles);
  checkSyncWindows(spec.syncWindows);
}
