import { kubeErrorDetail } from '@flotilla/kube';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { storedCredential, type CredentialStore, type StoredCredential } from './credential.store';

const KEYS = ['clusterId', 'credential', 'credentialExpiresAt', 'receivedAt', 'hubUrl'] as const;

const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
};

/**
 * Keeps the credential in a Kubernetes Secret in the agent's namespace (data keys `clusterId`,
 * `credential`, `credentialExpiresAt`, `receivedAt`, `hubUrl`; type Opaque, labelled
 * `app.kubernetes.io/managed-by: flotilla-agent`). The agent's service account needs `get`,
 * `create` and `update` on that Secret. A write replaces the Secret at the
 * resourceVersion read just before, so two writers cannot silently overwrite each other.
 */
export function secretCredentialStore(
  kc: KubeConfig,
  namespace: string,
  name: string,
): CredentialStore {
  const core = kc.makeApiClient(CoreV1Api);
  const read = async (): Promise<V1Secret | undefined> => {
    try {
      return await core.readNamespacedSecret({ name, namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new Error(`reading Secret ${namespace}/${name} failed: ${kubeErrorDetail(error)}`);
    }
  };
  return {
    location: `Secret ${namespace}/${name}`,
    async load() {
      const secret = await read();
      const data = secret?.data ?? {};
      if (!data['credential']) return undefined;
      const decoded: Record<string, string> = {};
      for (const k of KEYS) {
        const value = data[k];
        if (value !== undefined) decoded[k] = Buffer.from(value, 'base64').toString('utf8');
      }
      const parsed = storedCredential.safeParse(decoded);
      if (!parsed.success)
        throw new Error(`Secret ${namespace}/${name} is damaged: ${parsed.error.message}`);
      return parsed.data;
    },
    async save(credential: StoredCredential) {
      const valid = storedCredential.parse(credential);
      const data: Record<string, string> = {};
      for (const k of KEYS) {
        const value = valid[k];
        if (value !== undefined) data[k] = Buffer.from(value, 'utf8').toString('base64');
      }
      const existing = await read();
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'flotilla-agent' },
          ...(existing?.metadata?.resourceVersion
            ? { resourceVersion: existing.metadata.resourceVersion }
            : {}),
        },
        data,
      };
      try {
        if (existing) await core.replaceNamespacedSecret({ name, namespace, body });
        else await core.createNamespacedSecret({ namespace, body });
      } catch (error) {
        throw new Error(`writing Secret ${namespace}/${name} failed: ${kubeErrorDetail(error)}`);
      }
    },
  };
}
