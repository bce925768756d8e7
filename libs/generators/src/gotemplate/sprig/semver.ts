/**
 * Masterminds/semver v3 (what Sprig's `semver` and `semverCompare` use): loose version parsing
 * ("v1.2" is 1.2.0), pre-release ordering, and its constraint language — `||` between groups,
 * comma or space for AND, hyphen ranges, wildcards (x, X, *), and the operators = != > < >= <=
 * ~ ~> ^ with Masterminds' own rules (a version with a pre-release only satisfies constraints
 * that carry one). node-semver differs in several of these, hence this implementation.
 */
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { goObjectOf, makeGoObject } from './go-object';

export interface SemverVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  metadata: string;
  original: string;
}

const VERSION =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

/** semver.NewVersion. */
export function parseVersion(v: string): SemverVersion {
  const m = VERSION.exec(v);
  if (!m) throw new Error('Invalid Semantic Version');
  const seg = (s: string | undefined): bigint => {
    const n = BigInt((s ?? '0').replace(/^\./, '') || '0');
    if (n >= 1n << 64n) throw new Error('Invalid Semantic Version');
    return n;
  };
  const pre = m[5] ?? '';
  for (const part of pre === '' ? [] : pre.split('.')) {
    if (/^\d+$/.test(part) && part.length > 1 && part.startsWith('0'))
      throw new Error('Invalid Prerelease string');
  }
  return {
    major: seg(m[1]),
    minor: seg(m[2]),
    patch: seg(m[3]),
    pre,
    metadata: m[8] ?? '',
    original: v,
  };
}

function versionString(v: SemverVersion): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}${v.metadata ? `+${v.metadata}` : ''}`;
}

function comparePrePart(a: string, b: string): number {
  if (a === b) return 0;
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return BigInt(a) > BigInt(b) ? 1 : -1;
  if (an) return -1;
  if (bn) return 1;
  return a > b ? 1 : -1;
}

/** Version.Compare: -1, 0 or 1; metadata is ignored. */
export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  for (const k of ['major', 'minor', 'patch'] as const)
    if (a[k] !== b[k]) return a[k] > b[k] ? 1 : -1;
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const ap = a.pre.split('.');
  const bp = b.pre.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    if (i >= ap.length) return -1;
    if (i >= bp.length) return 1;
    const c = comparePrePart(ap[i] as string, bp[i] as string);
    if (c !== 0) return c;
  }
  return 0;
}

interface Constraint {
  op: string;
  con: SemverVersion;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const RANGE = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');
const FIND = new RegExp(String.raw`(${OPS})\s*(${CV})`, 'g');
const VALID = new RegExp(String.raw`^(\s*(${OPS})\s*(${CV})\s*\,?)+$`);
const ONE = new RegExp(String.raw`^\s*(${OPS})\s*(${CV})\s*$`);
const isX = (s: string): boolean => s === 'x' || s === 'X' || s === '*';

function parseOne(c: string): Constraint {
  const m = ONE.exec(c);
  if (!m) throw new Error(`improper constraint: ${c}`);
  const [op = '', , major = '', minorDot = '', patchDot = '', preDash = ''] = m.slice(1);
  let ver = m[2] as string;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  const minor = minorDot.replace(/^\./, '');
  const patch = patchDot.replace(/^\./, '');
  if (isX(major)) {
    // Only `dirty`: "*" then means ">= 0.0.0" through tilde's 0.0.0 special case.
    ver = `0.0.0${preDash}`;
    dirty = true;
  } else if (isX(minor) || minorDot === '') {
    // An omitted minor or patch is a wildcard in Masterminds' constraints ("~1" is 1.x).
    ver = `${major}.0.0${preDash}`;
    dirty = minorDirty = true;
  } else if (isX(patch) || patchDot === '') {
    ver = `${major}${minorDot}.0${preDash}`;
    dirty = patchDirty = true;
  }
  return { op, con: parseVersion(ver), dirty, minorDirty, patchDirty };
}

/** semver.NewConstraint: OR groups of AND-ed constraints. */
export function parseConstraint(text: string): Constraint[][] {
  return text.split('||').map((group) => {
    const rewritten = group.replace(RANGE, (_m, ...g: string[]) => ` >= ${g[0]}, <= ${g[10]} `);
    if (rewritten.trim() === '') return [parseOne('*')];
    if (!VALID.test(rewritten)) throw new Error(`improper constraint: ${group.trim()}`);
    return (rewritten.match(FIND) ?? []).map(parseOne);
  });
}

function check(v: SemverVersion, c: Constraint): boolean {
  if (v.pre !== '' && c.con.pre === '') return false;
  const cmp = compareVersions(v, c.con);
  const tilde = (): boolean => {
    if (cmp < 0) return false;
    const k = c.con;
    if (k.major === 0n && k.minor === 0n && k.patch === 0n && !c.minorDirty && !c.patchDirty)
      return true;
    if (v.major !== k.major) return false;
    return !(v.minor !== k.minor && !c.minorDirty);
  };
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde() : cmp === 0;
    case '!=':
      if (c.dirty) {
        if (c.con.major !== v.major) return true;
        if (c.minorDirty) return false;
        if (c.con.minor !== v.minor) return true;
        return false;
      }
      return cmp !== 0;
    case '>':
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      return v.minor > c.con.minor;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major !== c.con.major) return v.major < c.con.major;
      if (c.minorDirty) return true;
      return v.minor <= c.con.minor;
    case '~':
    case '~>':
      return tilde();
    case '^':
      if (cmp < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (v.minor > 0n) return false;
      return v.patch === c.con.patch;
    default:
      return false;
  }
}

/** Constraints.Check. */
export function satisfies(v: SemverVersion, constraint: Constraint[][]): boolean {
  return constraint.some((group) => group.every((c) => check(v, c)));
}

const none = { params: [] };
const one = { params: ['interface' as const] };

/**
 * A *semver.Version (what `semver` returns) as a Go object with its template-callable methods;
 * with pointer false, a semver.Version struct (what IncMajor/IncMinor/IncPatch return).
 */
export function semverObject(v: SemverVersion, pointer = true): GoValue {
  const typeName = pointer ? '*semver.Version' : 'semver.Version';
  const other = (o: GoValue): SemverVersion => {
    const info = goObjectOf(o);
    if (!info || info.typeName !== '*semver.Version')
      throw new Error('wrong type for value; expected *semver.Version');
    return o as unknown as SemverVersion;
  };
  const payload = { ...v };
  const inc = (k: 'major' | 'minor' | 'patch'): GoValue => {
    const n = { ...v, pre: '', metadata: '', [k]: v[k] + 1n };
    if (k === 'major') n.minor = n.patch = 0n;
    if (k === 'minor') n.patch = 0n;
    if (k === 'patch' && v.pre !== '') n.patch = v.patch;
    return semverObject({ ...n, original: versionString(n) }, false);
  };
  return makeGoObject(payload, {
    typeName,
    kind: pointer ? 'ptr' : 'struct',
    string: () => versionString(v),
    json: () => JSON.stringify(versionString(v)),
    equals: (o) => {
      if (goObjectOf(o)?.typeName !== typeName) return false;
      const w = o as unknown as SemverVersion;
      return (
        v.major === w.major &&
        v.minor === w.minor &&
        v.patch === w.patch &&
        v.pre === w.pre &&
        v.metadata === w.metadata &&
        v.original === w.original
      );
    },
    fields: () => [
      { name: 'major', type: 'uint64', value: v.major },
      { name: 'minor', type: 'uint64', value: v.minor },
      { name: 'patch', type: 'uint64', value: v.patch },
      { name: 'pre', type: 'string', value: v.pre },
      { name: 'metadata', type: 'string', value: v.metadata },
      { name: 'original', type: 'string', value: v.original },
    ],
    methods: {
      Major: signed(() => v.major, none),
      Minor: signed(() => v.minor, none),
      Patch: signed(() => v.patch, none),
      Prerelease: signed(() => v.pre, none),
      Metadata: signed(() => v.metadata, none),
      Original: signed(() => v.original, none),
      String: signed(() => versionString(v), none),
      Compare: signed((o) => BigInt(compareVersions(v, other(o))), one),
      LessThan: signed((o) => compareVersions(v, other(o)) < 0, one),
      GreaterThan: signed((o) => compareVersions(v, other(o)) > 0, one),
      Equal: signed((o) => compareVersions(v, other(o)) === 0, one),
      IncMajor: signed(() => inc('major'), none),
      IncMinor: signed(() => inc('minor'), none),
      IncPatch: signed(() => inc('patch'), none),
    },
  });
}

/** The semver functions, keyed by template name. */
export function semverFunctions(): Record<string, GoTemplateFunction> {
  return {
    semver: signed((v) => semverObject(parseVersion(v as string)), { params: ['string'] }),
    semverCompare: signed(
      (c, v) => {
        // Go parses the constraint first, so its error wins when both are invalid.
        const constraint = parseConstraint(c as string);
        return satisfies(parseVersion(v as string), constraint);
      },
      { params: ['string', 'string'] },
    ),
  };
}
