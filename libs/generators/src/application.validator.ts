import type { Application, ApplicationValidationError } from './application.types';
import { GenerationError } from './errors';
import { hasImplicitLocalCluster, secretsByName } from './generators/cluster.generator';
import { isPlainObject } from './param-merge';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, type GenerationInputs } from './sources';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The checks Argo CD applies to generated Applications before writing them: a repeated name
 * fails the whole ApplicationSet (thrown); an unresolvable destination, and a name the API
 * server rejects, leave that Application out (returned). AppProject existence is not checked
 * offline.
 */
export function validateApplications(
  appSetName: string,
  apps: readonly Application[],
  inputs: GenerationInputs,
): ApplicationValidationError[] {
  const seen = new Set<string>();
  for (const app of apps) {
    if (seen.has(app.metadata.name)) {
      throw new GenerationError(
        `ApplicationSet ${appSetName} contains applications with duplicate name: ${app.metadata.name}`,
      );
    }
    seen.add(app.metadata.name);
  }
  const secrets = secretsByName(inputs.clusters ?? []);
  const known = secrets.map((c) => ({ name: c.name, server: c.server }));
  if (hasImplicitLocalCluster(secrets, inputs.localCluster ?? true))
    known.push({ name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER });
  const index: ClusterIndex = { servers: new Set(known.map((c) => c.server)), byName: new Map() };
  for (const c of known) index.byName.set(c.name, [...(index.byName.get(c.name) ?? []), c.server]);
  const errors: ApplicationValidationError[] = [];
  for (const app of apps) {
    const message = destinationError(app, index) ?? nameError(app.metadata.name);
    if (message) errors.push({ application: app.metadata.name, message });
  }
  return errors;
}

interface ClusterIndex {
  servers: Set<string>;
  byName: Map<string, string[]>;
}

function destinationError(app: Application, known: ClusterIndex): string | undefined {
  const dest = isPlainObject(app.spec.destination) ? app.spec.destination : {};
  const name = typeof dest.name === 'string' ? dest.name : '';
  const server = typeof dest.server === 'string' ? dest.server : '';
  const invalid = (reason: string): string => `application destination spec is invalid: ${reason}`;
  if (name && server)
    return invalid(
      `application destination can't have both name and server defined: ${name} ${server}`,
    );
  if (server) {
    if (!known.servers.has(server)) {
      return invalid(`error getting cluster by server "${server}": cluster "${server}" not found`);
    }
    return undefined;
  }
  if (name) {
    const servers = known.byName.get(name) ?? [];
    if (servers.length === 0) return invalid(`there are no clusters with this name: ${name}`);
    if (servers.length > 1)
      return invalid(
        `there are ${servers.length} clusters with the same name: [${servers.join(' ')}]`,
      );
    return undefined;
  }
  return invalid('Destination server missing from app spec');
}

// What the Kubernetes API server answers when the Application is created.
function nameError(name: string): string | undefined {
  if (name === '')
    return 'Application.argoproj.io "" is invalid: metadata.name: Required value: name or generateName is required';
  const reasons: string[] = [];
  if (name.length > 253) reasons.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(name)) {
    reasons.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  if (reasons.length === 0) return undefined;
  return `Application.argoproj.io ${JSON.stringify(name)} is invalid: metadata.name: Invalid value: ${JSON.stringify(name)}: ${reasons.join('; ')}`;
}
