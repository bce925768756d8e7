import type { SimVersion } from './kube-sim.types';
import { groupVersion, type ResourceType } from './resource-type';

const VERBS_NAMESPACED = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** `/version`. */
export function versionInfo(version: SimVersion): Record<string, unknown> {
  return {
    ...version,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `/api`. */
export function coreVersions(): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:443' }],
  };
}

function apiGroup(name: string, types: readonly ResourceType[]): Record<string, unknown> {
  const versions = [...new Set(types.filter((t) => t.group === name).map((t) => t.version))].map(
    (version) => ({ groupVersion: `${name}/${version}`, version }),
  );
  return { name, versions, preferredVersion: versions[0] };
}

/** `/apis`: every named group served. */
export function groupList(types: readonly ResourceType[]): Record<string, unknown> {
  const names = [...new Set(types.map((t) => t.group).filter(Boolean))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: names.map((n) => apiGroup(n, types)) };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function groupInfo(
  name: string,
  types: readonly ResourceType[],
): Record<string, unknown> | undefined {
  if (!types.some((t) => t.group === name)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name, types) };
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when not served. */
export function resourceList(
  gv: string,
  types: readonly ResourceType[],
): Record<string, unknown> | undefined {
  const served = types.filter((t) => groupVersion(t) === gv);
  if (served.length === 0) return undefined;
  const resources = served.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS_NAMESPACED,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    },
    ...(t.status
      ? [
          {
            name: `${t.plural}/status`,
            singularName: '',
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}
