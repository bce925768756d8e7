import { EventStore1764300000000 } from './1764300000000-event-store';
import { ClusterSecrets1764400000000 } from './1764400000000-cluster-secrets';
import { ClusterNames1764400000001 } from './1764400000001-cluster-names';
import { ApplicationSetNames1764520000000 } from './1764520000000-application-set-names';
import { RepositoryCredentials1764530000000 } from './1764530000000-repository-credentials';
import { AppsetGenerationRequests1764600000000 } from './1764600000000-appset-generation-requests';
import { Bundles1764690000000 } from './1764690000000-bundles';
import { Notifications1764780000000 } from './1764780000000-notifications';
import { EventIndexes1764790000000 } from './1764790000000-event-indexes';
import { BundleObjects1764800000000 } from './1764800000000-bundle-objects';
import { RolloutIndex1764810000000 } from './1764810000000-rollout-index';

/** Every migration, oldest first. A new migration is added at the end of this list. */
export const migrations = [
  EventStore1764300000000,
  ClusterSecrets1764400000000,
  ClusterNames1764400000001,
  ApplicationSetNames1764520000000,
  RepositoryCredentials1764530000000,
  AppsetGenerationRequests1764600000000,
  Bundles1764690000000,
  Notifications1764780000000,
  EventIndexes1764790000000,
  BundleObjects1764800000000,
  RolloutIndex1764810000000,
];
