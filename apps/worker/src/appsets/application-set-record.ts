import type { JobOn, QUEUES } from '@flotilla/contracts';
import {
  applicationEventId,
  canonicalJson,
  applicationSetStream,
  decideApplicationSet,
  evolveApplicationSet,
  initialApplicationSetState,
  type ApplicationSetCommand,
  type ApplicationSetEvent,
  type ApplicationSetState,
  type GenerationStatus,
  type JsonObjectValue,
} from '@flotilla/domain';
import { ConcurrencyError, type EventStore } from '@flotilla/event-store';
import type { FlotillaEvent } from '@flotilla/projections';
import { GENERATION_ACTOR } from './application-writes';

type FinishPayload = Extract<JobOn<typeof QUEUES.appsetGeneration>, { type: 'finish-generation' }>;
/** The outcome a generation records (`ApplicationSetGenerated`). */
export type GenerationRecord = NonNullable<FinishPayload['record']>;

const SET_EVENTS = new Set<string>([
  'ApplicationSetCreated',
  'ApplicationSetUpdated',
  'ApplicationSetDeleted',
  'ApplicationSetGenerated',
  'ApplicationSetGenerationFailed',
  'ApplicationSetDeletionHeld',
  'ApplicationSetDeletionConfirmed',
]);

/** An ApplicationSet folded from its stream, plus the last manifest (a deleted one keeps it). */
export interface FoldedApplicationSet {
  state: ApplicationSetState;
  /** The manifest last set, also after deletion (its `preserveResourcesOnDeletion` applies). */
  manifest: JsonObjectValue | null;
  tenant: string | null;
}

/** Reads and folds an ApplicationSet's stream (the source of truth, not the read model). */
export async function foldApplicationSet(
  store: EventStore<FlotillaEvent>,
  applicationSetId: string,
): Promise<FoldedApplicationSet> {
  const events = await store.readStream(applicationSetStream(applicationSetId));
  let state = initialApplicationSetState;
  let manifest: JsonObjectValue | null = null;
  let tenant: string | null = null;
  for (const stored of events) {
    if (!SET_EVENTS.has(stored.type)) continue;
    const event = { type: stored.type, data: stored.data } as ApplicationSetEvent;
    if (event.type === 'ApplicationSetCreated') tenant = event.data.tenant;
    if (event.type === 'ApplicationSetCreated' || event.type === 'ApplicationSetUpdated')
      manifest = event.data.manifest;
    state = evolveApplicationSet(state, event);
  }
  return { state, manifest, tenant };
}

/**
 * Decides `commands` in order against the ApplicationSet's current state and appends what they
 * produce (nothing when they change nothing: an unchanged generation leaves no trace). Event
 * ids derive from the stream version and `tag`, so a retried run appends nothing twice; a
 * concurrent change (an update, a confirmation) is met by deciding again.
 */
export async function recordOnApplicationSet(
  store: EventStore<FlotillaEvent>,
  applicationSetId: string,
  commands: readonly ApplicationSetCommand[],
  tag: string,
): Promise<ApplicationSetEvent[]> {
  const streamId = applicationSetStream(applicationSetId);
  for (let attempt = 0; ; attempt++) {
    const { state, tenant } = await foldApplicationSet(store, applicationSetId);
    if (state.status !== 'active') return [];
    let next: ApplicationSetState = state;
    const events: ApplicationSetEvent[] = [];
    for (const command of commands) {
      for (const event of decideApplicationSet(command, next)) {
        events.push(event);
        next = evolveApplicationSet(next, event);
      }
    }
    if (events.length === 0) return [];
    try {
      await store.append(
        streamId,
        state.version,
        events.map((event, i) => ({
          ...event,
          eventId: applicationEventId(streamId, state.version + 1 + i, `${event.type}/${tag}`),
        })),
        { actor: GENERATION_ACTOR, tenantId: tenant },
      );
      return events;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= 4) throw error;
    }
  }
}

/** Whether a run with no writes would record the status the ApplicationSet already shows. */
export function sameStatus(
  status: GenerationStatus,
  record: GenerationRecord,
  held: readonly string[] | undefined,
): boolean {
  const { last, failure } = status;
  if (failure !== undefined || last === undefined) return false;
  if (canonicalJson(status.held?.deletions ?? []) !== canonicalJson(held ?? [])) return false;
  const shown = (r: GenerationRecord) =>
    canonicalJson({
      manifestVersion: r.manifestVersion,
      violations: r.violations,
      validationErrors: r.validationErrors,
      heldDeletions: r.heldDeletions ?? 0,
      total: r.created + r.updated + r.unchanged + r.skipped,
    });
  return shown(last) === shown(record);
}

/** Records the outcome (and held deletions) on the ApplicationSet; answers the events appended. */
export async function recordGeneration(
  store: EventStore<FlotillaEvent>,
  id: string,
  key: string,
  record: GenerationRecord | null,
  held: FinishPayload['held'],
): Promise<number> {
  if (!record) return 0;
  const appended = await recordOnApplicationSet(
    store,
    id,
    [
      { type: 'RecordGeneration', data: record },
      ...(held
        ? [
            {
              type: 'HoldDeletions' as const,
              data: { manifestVersion: record.manifestVersion, ...held },
            },
          ]
        : []),
    ],
    `generation/${key}`,
  );
  return appended.length;
}
