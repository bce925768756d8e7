import { parseInput as parse } from '../cluster/cluster.schema';
import { assertNever, DomainError } from '../domain-error';
import type { JsonObjectValue } from './application.events';
import {
  confirmInputSchema,
  createInputSchema,
  failureInputSchema,
  holdInputSchema,
  MAX_MANIFEST_BYTES,
  updateInputSchema,
  type ApplicationSetCommand,
} from './application-set.commands';
import {
  applicationSetEventSchemas,
  type ApplicationSetEvent,
  type GenerationFailureReason,
} from './application-set.events';
import { canonicalJson } from './canonical-json';
import { readApplicationsSync } from './reconcile-plan';

type Generated = Extract<ApplicationSetEvent, { type: 'ApplicationSetGenerated' }>['data'];
type Held = Extract<ApplicationSetEvent, { type: 'ApplicationSetDeletionHeld' }>['data'];

/** Where generation stands: the last outcome, a failure since, deletions waiting or confirmed. */
export interface GenerationStatus {
  last?: Generated;
  failure?: { manifestVersion: number; reason: GenerationFailureReason; message: string };
  /** Deletions over the brake, waiting for a confirmation. */
  held?: Held;
  /** A confirmed deletion set, until a generation applies it. */
  confirmed?: string[];
}

/**
 * An ApplicationSet's state as folded from its stream. `version` counts the events folded (the
 * stream version); `manifestVersion` is the version of the event that set the manifest.
 */
export type ApplicationSetState =
  | { status: 'absent'; version: number }
  | {
      status: 'active';
      version: number;
      tenant: string;
      name: string;
      manifest: JsonObjectValue;
      manifestVersion: number;
      generation: GenerationStatus;
    }
  | { status: 'deleted'; version: number; tenant: string; name: string };

/** The state of a stream with no events. */
export const initialApplicationSetState: ApplicationSetState = { status: 'absent', version: 0 };

type Active = Extract<ApplicationSetState, { status: 'active' }>;

function requireActive(state: ApplicationSetState): Active {
  switch (state.status) {
    case 'active':
      return state;
    case 'absent':
      throw new DomainError('NOT_FOUND', 'ApplicationSet does not exist');
    case 'deleted':
      throw new DomainError('NOT_FOUND', `ApplicationSet ${state.name} was deleted`);
    default:
      return assertNever(state, 'ApplicationSet state');
  }
}

function checkManifest(manifest: JsonObjectValue, name: string): void {
  if (canonicalJson(manifest).length > MAX_MANIFEST_BYTES)
    throw new DomainError(
      'BAD_USER_INPUT',
      `manifest: larger than ${MAX_MANIFEST_BYTES} bytes`,
      'manifest',
    );
  const metadata = manifest.metadata;
  const manifestName =
    typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
      ? metadata.name
      : undefined;
  if (manifestName !== undefined && manifestName !== name)
    throw new DomainError(
      'BAD_USER_INPUT',
      `manifest.metadata.name: must be ${JSON.stringify(name)}, the ApplicationSet's name`,
      'manifest.metadata.name',
    );
  readApplicationsSync(manifest);
}

function checkManifestVersion(manifestVersion: number, current: Active): void {
  if (manifestVersion > current.manifestVersion)
    throw new DomainError(
      'BAD_USER_INPUT',
      `manifestVersion: ${manifestVersion} is newer than the manifest (${current.manifestVersion})`,
      'manifestVersion',
    );
}

const sortedUnique = (names: readonly string[]): string[] =>
  [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const sameList = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

function decideCreate(
  input: Extract<ApplicationSetCommand, { type: 'CreateApplicationSet' }>['data'],
  state: ApplicationSetState,
): ApplicationSetEvent[] {
  const data = parse(createInputSchema, input);
  if (state.status !== 'absent' || input.nameTaken)
    throw new DomainError(
      'CONFLICT',
      `name: ApplicationSet ${data.name} already exists in tenant ${data.tenant}`,
      'name',
    );
  checkManifest(data.manifest, data.name);
  return [{ type: 'ApplicationSetCreated', data }];
}

function decideGenerated(input: unknown, current: Active): ApplicationSetEvent[] {
  const data = parse(applicationSetEventSchemas.ApplicationSetGenerated.schema, input);
  checkManifestVersion(data.manifestVersion, current);
  const { last, failure } = current.generation;
  // Periodic regeneration that changes nothing leaves no trace in the log.
  if (failure === undefined && last !== undefined && canonicalJson(last) === canonicalJson(data))
    return [];
  return [{ type: 'ApplicationSetGenerated', data }];
}

function decideFailure(input: unknown, current: Active): ApplicationSetEvent[] {
  const data = parse(failureInputSchema, input);
  checkManifestVersion(data.manifestVersion, current);
  const { failure } = current.generation;
  if (
    failure?.reason === data.reason &&
    failure.message === data.message &&
    failure.manifestVersion === data.manifestVersion
  )
    return [];
  return [{ type: 'ApplicationSetGenerationFailed', data }];
}

function decideHold(input: unknown, current: Active): ApplicationSetEvent[] {
  const data = parse(holdInputSchema, input);
  checkManifestVersion(data.manifestVersion, current);
  const deletions = sortedUnique(data.deletions);
  const { held, confirmed } = current.generation;
  // Already waiting, or already confirmed (a run that started before the confirmation).
  if (sameList(held?.deletions, deletions) || sameList(confirmed, deletions)) return [];
  return [{ type: 'ApplicationSetDeletionHeld', data: { ...data, deletions } }];
}

function decideConfirm(input: unknown, current: Active): ApplicationSetEvent[] {
  const deletions = sortedUnique(parse(confirmInputSchema, input).deletions);
  const { held, confirmed } = current.generation;
  if (held === undefined) {
    if (sameList(confirmed, deletions)) return []; // a retried confirmation
    throw new DomainError('CONFLICT', `ApplicationSet ${current.name} has no held deletions`);
  }
  if (!sameList(held.deletions, deletions)) {
    const wanted = new Set(held.deletions);
    const given = new Set(deletions);
    const missing = held.deletions.filter((n) => !given.has(n));
    const extra = deletions.filter((n) => !wanted.has(n));
    const parts = [
      ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
      ...(extra.length ? [`not held ${extra.join(', ')}`] : []),
    ];
    throw new DomainError(
      'BAD_USER_INPUT',
      `deletions: must name exactly the ${held.deletions.length} held deletions (${parts.join('; ')})`,
      'deletions',
    );
  }
  return [{ type: 'ApplicationSetDeletionConfirmed', data: { deletions } }];
}

/**
 * Decides which events an ApplicationSet command produces: pure, no I/O. Throws `DomainError`:
 * BAD_USER_INPUT (invalid input, naming the field), CONFLICT (a taken name; confirming when
 * nothing is held), NOT_FOUND (changing a missing or deleted ApplicationSet). A command that
 * changes nothing (same manifest, same failure, same held set) produces no events.
 */
export function decide(
  command: ApplicationSetCommand,
  state: ApplicationSetState,
): ApplicationSetEvent[] {
  switch (command.type) {
    case 'CreateApplicationSet':
      return decideCreate(command.data, state);
    case 'UpdateApplicationSet': {
      const current = requireActive(state);
      const { manifest } = parse(updateInputSchema, command.data);
      checkManifest(manifest, current.name);
      if (canonicalJson(manifest) === canonicalJson(current.manifest)) return [];
      return [{ type: 'ApplicationSetUpdated', data: { manifest } }];
    }
    case 'DeleteApplicationSet':
      if (state.status === 'deleted') return [];
      requireActive(state);
      return [{ type: 'ApplicationSetDeleted', data: {} }];
    case 'RecordGeneration':
      return decideGenerated(command.data, requireActive(state));
    case 'RecordGenerationFailure':
      return decideFailure(command.data, requireActive(state));
    case 'HoldDeletions':
      return decideHold(command.data, requireActive(state));
    case 'ConfirmDeletions':
      return decideConfirm(command.data, requireActive(state));
    default:
      return assertNever(command, 'ApplicationSet command');
  }
}

type GenerationEvent = Extract<
  ApplicationSetEvent,
  {
    type:
      | 'ApplicationSetGenerated'
      | 'ApplicationSetGenerationFailed'
      | 'ApplicationSetDeletionHeld'
      | 'ApplicationSetDeletionConfirmed';
  }
>;

function evolveGeneration(status: GenerationStatus, event: GenerationEvent): GenerationStatus {
  switch (event.type) {
    case 'ApplicationSetGenerated': {
      const { held, confirmed } = status;
      // Deletions still held keep their hold (and any confirmation a later run will use).
      return (event.data.heldDeletions ?? 0) > 0
        ? { last: event.data, ...(held ? { held } : {}), ...(confirmed ? { confirmed } : {}) }
        : { last: event.data };
    }
    case 'ApplicationSetGenerationFailed': {
      const { reason, message, manifestVersion } = event.data;
      return { ...status, failure: { reason, message, manifestVersion } };
    }
    case 'ApplicationSetDeletionHeld': {
      const { confirmed: _replaced, ...rest } = status;
      return { ...rest, held: event.data };
    }
    case 'ApplicationSetDeletionConfirmed': {
      const { held: _confirmed, ...rest } = status;
      return { ...rest, confirmed: event.data.deletions };
    }
    default:
      return assertNever(event, 'generation event');
  }
}

/** Folds one ApplicationSet event into the state. */
export function evolve(
  state: ApplicationSetState,
  event: ApplicationSetEvent,
): ApplicationSetState {
  const version = state.version + 1;
  switch (event.type) {
    case 'ApplicationSetCreated': {
      const { tenant, name, manifest } = event.data;
      return {
        status: 'active',
        version,
        tenant,
        name,
        manifest,
        manifestVersion: version,
        generation: {},
      };
    }
    case 'ApplicationSetUpdated':
      if (state.status !== 'active') return { ...state, version };
      return { ...state, version, manifest: event.data.manifest, manifestVersion: version };
    case 'ApplicationSetDeleted':
      if (state.status !== 'active') return { ...state, version };
      return { status: 'deleted', version, tenant: state.tenant, name: state.name };
    case 'ApplicationSetGenerated':
    case 'ApplicationSetGenerationFailed':
    case 'ApplicationSetDeletionHeld':
    case 'ApplicationSetDeletionConfirmed':
      if (state.status !== 'active') return { ...state, version };
      return { ...state, version, generation: evolveGeneration(state.generation, event) };
    default:
      return assertNever(event, 'ApplicationSet event');
  }
}
