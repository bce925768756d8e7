// PersistentVolumeClaims: a port of gitops-engine pkg/health/health_pvc.go (no message).
import { stringAt, type KubeObject } from '../kube-object';
import { health, type HealthStatus } from './health-status';

export function persistentVolumeClaimHealth(pvc: KubeObject): HealthStatus {
  switch (stringAt(pvc, 'status', 'phase')) {
    case 'Lost':
      return health('Degraded');
    case 'Pending':
      return health('Progressing');
    case 'Bound':
      return health('Healthy');
    default:
      return health('Unknown');
  }
}
