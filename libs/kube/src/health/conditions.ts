// Health read from status conditions: HorizontalPodAutoscalers (a port of gitops-engine
// pkg/health/health_hpa.go) and, ours, any other resource with a `Ready` condition.
import {
  conditionsAt,
  FieldTypeError,
  intAt,
  type Condition,
  type KubeObject,
} from '../kube-object';
import { health, type HealthStatus } from './health-status';

/** Kubernetes writes autoscaling/v1 HPA conditions into this annotation, as JSON. */
const HPA_V1_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const WAITING_TO_AUTOSCALE = health('Progressing', 'Waiting to Autoscale');

const HPA_DEGRADED: ReadonlyArray<readonly [type: string, reason: string]> = [
  ['AbleToScale', 'FailedGetScale'],
  ['AbleToScale', 'FailedUpdateScale'],
  ['ScalingActive', 'FailedGetResourceMetric'],
  ['ScalingActive', 'InvalidSelector'],
];
const HPA_HEALTHY_TYPES = ['AbleToScale', 'ScalingLimited'];

export function horizontalPodAutoscalerHealth(hpa: KubeObject): HealthStatus {
  if (hpa.apiVersion === 'autoscaling/v1') {
    const annotation = hpa.metadata?.annotations?.[HPA_V1_CONDITIONS];
    if (annotation === undefined) return WAITING_TO_AUTOSCALE;
    const conditions = parseV1Conditions(annotation);
    if (conditions.length === 0) return WAITING_TO_AUTOSCALE;
    return hpaConditionsHealth(conditions);
  }
  return hpaConditionsHealth(conditionsAt(hpa, 'status', 'conditions'));
}

// The first condition that decides wins, in the order the HPA controller lists them
// (AbleToScale, ScalingActive, ScalingLimited), as in gitops-engine's checkConditions.
function hpaConditionsHealth(conditions: readonly Condition[]): HealthStatus {
  for (const c of conditions) {
    if (HPA_DEGRADED.some(([type, reason]) => c.type === type && c.reason === reason)) {
      return health('Degraded', c.message);
    }
    if (HPA_HEALTHY_TYPES.includes(c.type) && c.status === 'True') {
      return health('Healthy', c.message);
    }
  }
  return WAITING_TO_AUTOSCALE;
}

// Go's encoding/json matches field names case-insensitively; the annotation spells them
// `type`, `status`, ... while Argo CD's struct says `Type`, `Status`.
function parseV1Conditions(annotation: string): Condition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch (error) {
    throw new FieldTypeError(
      `failed to convert conditions annotation to typed: ${(error as Error).message}`,
    );
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) {
    throw new FieldTypeError('failed to convert conditions annotation to typed: not a list');
  }
  return parsed.map((entry: unknown) => {
    const fields = new Map(
      Object.entries(typeof entry === 'object' && entry !== null ? entry : {}).map(
        ([key, value]) => [key.toLowerCase(), typeof value === 'string' ? value : ''],
      ),
    );
    return {
      type: fields.get('type') ?? '',
      status: fields.get('status') ?? '',
      reason: fields.get('reason') ?? '',
      message: fields.get('message') ?? '',
      observedGeneration: undefined,
    };
  });
}

/**
 * Ours, not Argo CD's (which needs a Lua script per custom resource): a resource whose
 * `status.conditions` has a `Ready` condition is Healthy when it is `True`, Degraded when it is
 * `False` (with the condition's reason and message), and Progressing while it is `Unknown`, while a
 * `Reconciling` condition is `True` (kstatus' convention), or while the controller has not yet
 * observed the current generation (`status.observedGeneration`
 * or the condition's own `observedGeneration`, when either is set). `null` without such a
 * condition. This is how cert-manager, Crossplane, Flux and Cluster API report readiness, and
 * what Argo CD's bundled scripts for them do.
 */
export function readyConditionHealth(object: KubeObject): HealthStatus | null {
  const conditions = conditionsAt(object, 'status', 'conditions');
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready === undefined) return null;
  const generation = intAt(object, 'metadata', 'generation');
  const observed = intAt(object, 'status', 'observedGeneration') ?? ready.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return health(
      'Progressing',
      `Waiting for the controller to observe generation ${generation} (observed ${observed})`,
    );
  }
  const reconciling = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True');
  if (ready.status !== 'True' && reconciling !== undefined) {
    return health('Progressing', reconciling.message || 'Reconciling');
  }
  const detail = [ready.reason, ready.message].filter(Boolean).join(': ');
  switch (ready.status) {
    case 'True':
      return health('Healthy', ready.message);
    case 'False':
      return health('Degraded', detail || 'Ready is False');
    default:
      return health('Progressing', detail || 'Waiting for the Ready condition');
  }
}
