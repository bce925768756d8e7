import { DomainError } from '../domain-error';
import type { ApplicationSetCommand } from './application-set.commands';
import {
  decide,
  evolve,
  initialApplicationSetState,
  type ApplicationSetState,
} from './application-set.decider';
import type { JsonObjectValue } from './application.events';
import { applicationSetEventSchemas, type ApplicationSetEvent } from './application-set.events';

/** An ApplicationSet manifest named `guestbook`; `over` replaces top-level spec fields. */
export const manifest = (spec: JsonObjectValue = {}): JsonObjectValue => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name: 'guestbook', namespace: 'argocd' },
  spec: {
    goTemplate: true,
    generators: [{ clusters: {} }],
    template: {
      metadata: { name: '{{.name}}-guestbook' },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://github.com/acme/apps.git',
          targetRevision: 'HEAD',
          path: 'guestbook',
        },
        destination: { server: '{{.server}}', namespace: 'guestbook' },
      },
    },
    ...spec,
  },
});

/** The event a create of {@link manifest} in team-a produces. */
export const CREATED = {
  type: 'ApplicationSetCreated',
  data: { tenant: 'team-a', name: 'guestbook', manifest: manifest() },
} as const satisfies ApplicationSetEvent;

/** The state after `events`. */
export const given = (events: ApplicationSetEvent[]): ApplicationSetState =>
  events.reduce(evolve, initialApplicationSetState);

/** The events `command` produces after `events`, each checked against its schema. */
export const when = (
  events: ApplicationSetEvent[],
  command: ApplicationSetCommand,
): ApplicationSetEvent[] => {
  const out = decide(command, given(events));
  for (const e of out) applicationSetEventSchemas[e.type].schema.parse(e.data);
  return out;
};

/** The `DomainError` `command` throws after `events`. */
export const failure = (
  events: ApplicationSetEvent[],
  command: ApplicationSetCommand,
): DomainError => {
  try {
    when(events, command);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};
