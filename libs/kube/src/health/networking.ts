// Services and Ingresses: ports of gitops-engine pkg/health/health_service.go and
// health_ingress.go. Neither sets a message.
import { listAt, stringAt, type KubeObject } from '../kube-object';
import { health, type HealthStatus } from './health-status';

/** A LoadBalancer Service is Progressing until the cloud gives it an address; others are Healthy. */
export function serviceHealth(service: KubeObject): HealthStatus {
  if (stringAt(service, 'spec', 'type') !== 'LoadBalancer') return health('Healthy');
  const ingress = listAt(service, 'status', 'loadBalancer', 'ingress');
  return health(ingress.length > 0 ? 'Healthy' : 'Progressing');
}

/** An Ingress is Progressing until its controller publishes an address. */
export function ingressHealth(ingress: KubeObject): HealthStatus {
  const addresses = listAt(ingress, 'status', 'loadBalancer', 'ingress');
  return health(addresses.length > 0 ? 'Healthy' : 'Progressing');
}
