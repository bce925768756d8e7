/**
 * The manifests of the benchmarks' Application (a Namespace, a ConfigMap, a Deployment and a
 * Service in `app/`), at `version`: a new version changes the ConfigMap and the pod template.
 */
export const webAppFiles = (version: string): Record<string, string> => ({
  'app/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n',
  'app/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  version: "${version}"
`,
  'app/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
      annotations: { bench/version: "${version}" }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
  'app/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - port: 80
`,
});

/** What `createBenchTenant` needs of a hub: its GraphQL client. */
interface GraphqlHub {
  graphql<T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** The benchmarks' tenant `bench`: any repository, namespace `web`, admins `bench-admins`. */
export async function createBenchTenant(hub: GraphqlHub, rootToken: string): Promise<void> {
  await hub.graphql(
    rootToken,
    'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
    {
      spec: {
        name: 'bench',
        sourceRepos: ['*'],
        destinations: [{ clusterSelector: {}, namespaces: ['web'] }],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        roles: [{ name: 'admin', groups: ['bench-admins'] }],
      },
    },
  );
}

/**
 * The benchmarks' ApplicationSet `web`: one Application per cluster from `app/` of `repoURL`
 * (see {@link webAppFiles}), synced automatically; `strategy`, when given, is the YAML of its
 * `spec.strategy` block indented under it (the rollout benchmark's steps).
 */
export const webAppSet = (
  repoURL: string,
  strategy = '',
): string => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  goTemplate: true
  generators:
    - clusters: {}
${strategy}  template:
    metadata:
      name: 'web-{{.name}}'
    spec:
      project: default
      source:
        repoURL: ${repoURL}
        targetRevision: main
        path: app
      destination:
        server: '{{.server}}'
        namespace: web
      syncPolicy:
        automated: { prune: true, selfHeal: false }
`;
