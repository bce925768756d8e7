/** The processes that serve `/metrics`. */
export type MetricsApp = 'hub' | 'worker' | 'agent';

/** One metric as Prometheus sees it: name, type, help, label names and who exports it. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
  /** The apps that register it (the integration tests check each app registers its share). */
  readonly apps: readonly MetricsApp[];
}

/** Request latencies: 5 ms to 10 s. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Agent protocol calls include the `/desired` long-poll, held up to 60 s. */
const AGENT_CALL_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;
/** Jobs: 10 ms (a tick) to 5 min (a large render or generation). */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/**
 * Every metric Flotilla exports besides the default process metrics (`flotilla_process_*`,
 * `flotilla_nodejs_*`). Names follow the Prometheus conventions: the `flotilla_` prefix, base
 * units, `_total` on counters; label values are bounded (no cluster names, ids or free text).
 * The Grafana dashboard may only use these names (a unit test checks it).
 */
export const METRICS = {
  // Hub: the GraphQL API.
  graphqlRequests: {
    name: 'flotilla_graphql_requests_total',
    kind: 'counter',
    help: 'GraphQL operations answered, by operation name, type and outcome (ok or error).',
    labelNames: ['operation', 'type', 'outcome'],
    apps: ['hub'],
  },
  graphqlDuration: {
    name: 'flotilla_graphql_request_duration_seconds',
    kind: 'histogram',
    help: 'Time from receiving a GraphQL operation to sending its answer.',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: REQUEST_BUCKETS,
    apps: ['hub'],
  },
  graphqlErrors: {
    name: 'flotilla_graphql_errors_total',
    kind: 'counter',
    help: 'Errors in GraphQL answers, by extensions.code (a closed set).',
    labelNames: ['code'],
    apps: ['hub'],
  },
  // Hub: the agent protocol and webhooks, from the server's side.
  agentApiRequests: {
    name: 'flotilla_agent_api_requests_total',
    kind: 'counter',
    help: 'Agent protocol requests (/api/agent/v1), by route and HTTP status.',
    labelNames: ['route', 'status'],
    apps: ['hub'],
  },
  agentApiDuration: {
    name: 'flotilla_agent_api_request_duration_seconds',
    kind: 'histogram',
    help: 'Agent protocol request latency (GET /desired is a long-poll), by route and status.',
    labelNames: ['route', 'status'],
    buckets: AGENT_CALL_BUCKETS,
    apps: ['hub'],
  },
  webhookRequests: {
    name: 'flotilla_webhook_requests_total',
    kind: 'counter',
    help: 'Git webhook deliveries received, by HTTP status answered.',
    labelNames: ['status'],
    apps: ['hub'],
  },
  // Hub (agent reports) and worker (push mode): drift recorded in the log.
  driftReports: {
    name: 'flotilla_drift_reports_total',
    kind: 'counter',
    help: 'ApplicationDriftDetected events appended, by whether self-heal corrected it and who reported it (agent or push).',
    labelNames: ['corrected', 'reporter'],
    apps: ['hub', 'worker'],
  },
  // Hub and worker: the read models, counted when scraped (cached for a few seconds).
  clusters: {
    name: 'flotilla_clusters',
    kind: 'gauge',
    help: 'Registered clusters, by tenant and connectivity.',
    labelNames: ['tenant', 'connectivity'],
    apps: ['hub', 'worker'],
  },
  applications: {
    name: 'flotilla_applications',
    kind: 'gauge',
    help: 'Live Applications, by tenant and the health and sync status last reported.',
    labelNames: ['tenant', 'health', 'sync'],
    apps: ['hub', 'worker'],
  },
  rollouts: {
    name: 'flotilla_rollouts',
    kind: 'gauge',
    help: 'Rollouts, by tenant and state.',
    labelNames: ['tenant', 'state'],
    apps: ['hub', 'worker'],
  },
  projectionLagEvents: {
    name: 'flotilla_projection_lag_events',
    kind: 'gauge',
    help: "Positions between the log's head and a projection's checkpoint.",
    labelNames: ['projection'],
    apps: ['hub', 'worker'],
  },
  projectionLagSeconds: {
    name: 'flotilla_projection_lag_seconds',
    kind: 'gauge',
    help: 'Age of the oldest event a projection has not processed yet (0 when caught up).',
    labelNames: ['projection'],
    apps: ['hub', 'worker'],
  },
  projectionFailed: {
    name: 'flotilla_projection_failed',
    kind: 'gauge',
    help: '1 when a projection stopped at an event it cannot apply, else 0.',
    labelNames: ['projection'],
    apps: ['hub', 'worker'],
  },
  scrapeQueryFailures: {
    name: 'flotilla_metrics_query_failures_total',
    kind: 'counter',
    help: 'Read-model queries for the gauges above that failed (the gauges are then left out).',
    labelNames: [],
    apps: ['hub', 'worker'],
  },
  // Worker: BullMQ.
  jobs: {
    name: 'flotilla_jobs_total',
    kind: 'counter',
    help: 'Jobs run, by queue, job name and outcome (completed, failed, or deferred: moved back to delayed or to wait for children).',
    labelNames: ['queue', 'job', 'outcome'],
    apps: ['worker'],
  },
  jobDuration: {
    name: 'flotilla_job_duration_seconds',
    kind: 'histogram',
    help: 'Time a job ran on this worker, by queue, job name and outcome.',
    labelNames: ['queue', 'job', 'outcome'],
    buckets: JOB_BUCKETS,
    apps: ['worker'],
  },
  queueJobs: {
    name: 'flotilla_queue_jobs',
    kind: 'gauge',
    help: 'Jobs in each queue, by state (waiting, active, delayed, failed), read when scraped.',
    labelNames: ['queue', 'state'],
    apps: ['worker'],
  },
  notificationsSent: {
    name: 'flotilla_notifications_sent_total',
    kind: 'counter',
    help: 'Notification sends attempted, by target kind (Webhook, Slack) and outcome (delivered or failed).',
    labelNames: ['target', 'outcome'],
    apps: ['worker'],
  },
  // Agent: its calls to the hub, and what it did to its cluster.
  agentHubRequests: {
    name: 'flotilla_agent_hub_requests_total',
    kind: 'counter',
    help: "The agent's calls to the hub, by endpoint and outcome (ok, not_modified, unreachable, unauthenticated, refused, server_error).",
    labelNames: ['endpoint', 'outcome'],
    apps: ['agent'],
  },
  agentHubDuration: {
    name: 'flotilla_agent_hub_request_duration_seconds',
    kind: 'histogram',
    help: "Latency of the agent's calls to the hub (GET /desired is a long-poll), by endpoint and outcome.",
    labelNames: ['endpoint', 'outcome'],
    buckets: AGENT_CALL_BUCKETS,
    apps: ['agent'],
  },
  agentApplies: {
    name: 'flotilla_agent_applies_total',
    kind: 'counter',
    help: 'Applications applied to the cluster, by outcome (synced, or failed: not Synced after the apply).',
    labelNames: ['outcome'],
    apps: ['agent'],
  },
  agentAppliedObjects: {
    name: 'flotilla_agent_applied_objects_total',
    kind: 'counter',
    help: 'Kubernetes objects in the Applications applied Synced.',
    labelNames: [],
    apps: ['agent'],
  },
  agentDriftCorrections: {
    name: 'flotilla_agent_drift_corrections_total',
    kind: 'counter',
    help: 'Drifted resources self-heal put back.',
    labelNames: [],
    apps: ['agent'],
  },
  agentDriftDetected: {
    name: 'flotilla_agent_drift_detected_total',
    kind: 'counter',
    help: 'Drifted resources found by an assessment (self-healed or not).',
    labelNames: [],
    apps: ['agent'],
  },
  agentLastSync: {
    name: 'flotilla_agent_last_sync_timestamp_seconds',
    kind: 'gauge',
    help: 'When the agent last applied its whole desired state (Unix time).',
    labelNames: [],
    apps: ['agent'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Prefix of every metric name, and of the default process metrics. */
export const METRIC_PREFIX = 'flotilla_';
