import {
  applicationDigest,
  applicationId,
  applicationSetStream,
  applicationStream,
  type ApplicationEvent,
  type ApplicationMetadata,
  type ApplicationSetEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import type { Pool } from 'pg';
import { EVENT_STORE, PG_POOL } from '../infra/tokens';
import type { TestHub } from '../testing/test-hub';
import { ApplicationSetService } from './application-set.service';

/** An ApplicationSet of `tenant` in YAML: one Application per live cluster (cluster generator). */
export const manifestYaml = (name: string, revision = 'v1', tenant = 'team-a') => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
    - clusters: {}
  template:
    metadata:
      name: '{{.name}}-${name}'
    spec:
      project: default
      source:
        repoURL: https://github.com/${tenant}/apps.git
        targetRevision: ${revision}
        path: ${name}
      destination:
        server: '{{.server}}'
        namespace: ${name}
`;

/** The same ApplicationSet as JSON text. */
export const manifestJson = (name: string, revision = 'v1', tenant = 'team-a') =>
  JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name },
    spec: {
      goTemplate: true,
      generators: [{ clusters: {} }],
      template: {
        metadata: { name: `{{.name}}-${name}` },
        spec: {
          project: 'default',
          source: {
            repoURL: `https://github.com/${tenant}/apps.git`,
            targetRevision: revision,
            path: name,
          },
          destination: { server: '{{.server}}', namespace: name },
        },
      },
    },
  });

/** What Argo CD puts on a generated Application by default: the resources finalizer. */
const META: ApplicationMetadata = {
  labels: {},
  annotations: {},
  finalizers: ['resources-finalizer.argocd.argoproj.io'],
};

/** The spec the manifests above generate for `name` on cluster `cluster` of `tenant`. */
export const generatedSpec = (
  set: string,
  cluster: string,
  revision = 'v1',
  tenant = 'team-a',
): JsonObjectValue => ({
  project: 'default',
  source: { repoURL: `https://github.com/${tenant}/apps.git`, targetRevision: revision, path: set },
  destination: { server: `https://flotilla.clusters/${tenant}/${cluster}`, namespace: set },
});

/** The log and the database of a test hub. */
export const storeOf = (hub: TestHub) => hub.app.get<symbol, EventStore>(EVENT_STORE);
export const poolOf = (hub: TestHub) => hub.app.get<symbol, Pool>(PG_POOL);

/** Brings the hub's ApplicationSet and Application read models up to the head of the log. */
export const settle = (hub: TestHub) => hub.app.get(ApplicationSetService).settle();

/**
 * Appends the ApplicationCreated event the worker would write for Application `name` of
 * ApplicationSet `setId` on a cluster (the hub itself never creates Applications).
 */
export async function appendApplication(
  hub: TestHub,
  app: {
    setId: string;
    tenant: string;
    name: string;
    clusterId: string;
    namespace: string;
    spec: JsonObjectValue;
  },
): Promise<string> {
  const id = applicationId(app.setId, app.name);
  const event: ApplicationEvent = {
    type: 'ApplicationCreated',
    data: {
      applicationSetId: app.setId,
      tenant: app.tenant,
      name: app.name,
      clusterId: app.clusterId,
      namespace: app.namespace,
      project: 'default',
      spec: app.spec,
      metadata: META,
      digest: applicationDigest(app.spec, META),
    },
  };
  await storeOf(hub).append(applicationStream(id), 'no_stream', [event], {
    actor: 'system:worker',
    tenantId: app.tenant,
  });
  await settle(hub);
  return id;
}

/** Appends an ApplicationSet event as the worker would (a generation outcome, a hold). */
export async function appendSetEvent(
  hub: TestHub,
  setId: string,
  event: ApplicationSetEvent,
): Promise<void> {
  const store = storeOf(hub);
  const stream = applicationSetStream(setId);
  await store.append(stream, await store.streamVersion(stream), [event], {
    actor: 'system:worker',
  });
  await settle(hub);
}

/** How many events of ApplicationSet streams the log holds. */
export async function applicationSetEventCount(hub: TestHub): Promise<number> {
  const { rows } = await poolOf(hub).query<{ n: string }>(
    `SELECT count(*) AS n FROM events WHERE stream_id LIKE 'applicationset-%'`,
  );
  return Number(rows[0]?.n ?? 0);
}
