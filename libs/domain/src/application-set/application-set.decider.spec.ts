import type { ApplicationSetCommand } from './application-set.commands';
import type { ApplicationSetEvent } from './application-set.events';
import { CREATED, failure, given, manifest, when } from './application-set.fixture';

const create = (over: Partial<{ name: string; manifest: unknown; nameTaken: boolean }> = {}) =>
  ({
    type: 'CreateApplicationSet',
    data: { tenant: 'team-a', name: 'guestbook', manifest: manifest(), nameTaken: false, ...over },
  }) as const satisfies ApplicationSetCommand;
const update = (m: unknown): ApplicationSetCommand => ({
  type: 'UpdateApplicationSet',
  data: { manifest: m },
});
const outcome = (manifestVersion: number, over: Record<string, unknown> = {}) => ({
  manifestVersion,
  created: 3,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  skipped: 0,
  violations: [],
  validationErrors: [],
  ...over,
});
const record = (
  manifestVersion: number,
  over: Record<string, unknown> = {},
): ApplicationSetCommand => ({
  type: 'RecordGeneration',
  data: outcome(manifestVersion, over),
});
const generated = (
  manifestVersion: number,
  over: Record<string, unknown> = {},
): ApplicationSetEvent =>
  ({
    type: 'ApplicationSetGenerated',
    data: outcome(manifestVersion, over),
  }) as ApplicationSetEvent;
const fail = (message = 'git: revision main not found', manifestVersion = 1) =>
  ({
    type: 'RecordGenerationFailure',
    data: { manifestVersion, reason: 'GitError', message },
  }) as const satisfies ApplicationSetCommand;
const failed = (
  message = 'git: revision main not found',
  manifestVersion = 1,
): ApplicationSetEvent => ({
  type: 'ApplicationSetGenerationFailed',
  data: { manifestVersion, reason: 'GitError', message },
});
const hold = (deletions: string[]): ApplicationSetCommand => ({
  type: 'HoldDeletions',
  data: { manifestVersion: 1, deletions, currentCount: 24, threshold: 6 },
});
const held = (deletions: string[]): ApplicationSetEvent => ({
  type: 'ApplicationSetDeletionHeld',
  data: { manifestVersion: 1, deletions, currentCount: 24, threshold: 6 },
});
const confirm = (deletions: string[]): ApplicationSetCommand => ({
  type: 'ConfirmDeletions',
  data: { deletions },
});
const confirmed = (deletions: string[]): ApplicationSetEvent => ({
  type: 'ApplicationSetDeletionConfirmed',
  data: { deletions },
});
/** The same value with every object's keys in reverse order. */
const reversedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversedKeys)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reversedKeys(v)]),
        )
      : value;
const SEVEN = ['g', 'f', 'e', 'd', 'c', 'b', 'a'];
const SEVEN_SORTED = [...SEVEN].sort();
const CHANGED = manifest({ syncPolicy: { applicationsSync: 'create-update' } });
const UPDATED: ApplicationSetEvent = { type: 'ApplicationSetUpdated', data: { manifest: CHANGED } };
const DELETED: ApplicationSetEvent = { type: 'ApplicationSetDeleted', data: {} };

describe('ApplicationSet decider', () => {
  describe('then events', () => {
    it.each<[string, ApplicationSetEvent[], ApplicationSetCommand, ApplicationSetEvent[]]>([
      ['create', [], create(), [CREATED]],
      [
        'create a manifest without metadata.name (the name comes from the command)',
        [],
        create({ manifest: { ...manifest(), metadata: {} } }),
        [
          {
            type: 'ApplicationSetCreated',
            data: { ...CREATED.data, manifest: { ...manifest(), metadata: {} } },
          },
        ],
      ],
      ['update to a different manifest', [CREATED], update(CHANGED), [UPDATED]],
      [
        'update to the same manifest, keys in another order: nothing',
        [CREATED],
        update(reversedKeys(manifest())),
        [],
      ],
      ['delete', [CREATED], { type: 'DeleteApplicationSet', data: {} }, [DELETED]],
      ['delete again: nothing', [CREATED, DELETED], { type: 'DeleteApplicationSet', data: {} }, []],
      ['record a generation', [CREATED], record(1), [generated(1)]],
      ['record the same generation again: nothing', [CREATED, generated(1)], record(1), []],
      [
        'record a generation with different counts',
        [CREATED, generated(1)],
        record(1, { created: 0, unchanged: 3 }),
        [generated(1, { created: 0, unchanged: 3 })],
      ],
      [
        'record the same generation after a failure: the recovery is recorded',
        [CREATED, generated(1), failed()],
        record(1),
        [generated(1)],
      ],
      [
        'record a generation of an older manifest (the run began before an update)',
        [CREATED, UPDATED],
        record(1),
        [generated(1)],
      ],
      ['record a failure', [CREATED], fail(), [failed()]],
      ['record the same failure again: nothing', [CREATED, failed()], fail(), []],
      [
        'record the same failure on a newer manifest',
        [CREATED, failed(), UPDATED],
        fail(undefined, 2),
        [failed(undefined, 2)],
      ],
      ['record a different failure', [CREATED, failed()], fail('other'), [failed('other')]],
      [
        'record the same failure after a success',
        [CREATED, failed(), generated(1)],
        fail(),
        [failed()],
      ],
      ['hold deletions (sorted)', [CREATED], hold(SEVEN), [held(SEVEN_SORTED)]],
      [
        'hold the same set again, in another order: nothing',
        [CREATED, held(SEVEN_SORTED)],
        hold(SEVEN),
        [],
      ],
      [
        'hold a different set',
        [CREATED, held(SEVEN_SORTED)],
        hold([...SEVEN, 'h']),
        [held([...SEVEN_SORTED, 'h'])],
      ],
      [
        'confirm exactly the held set',
        [CREATED, held(SEVEN_SORTED)],
        confirm(SEVEN),
        [confirmed(SEVEN_SORTED)],
      ],
      [
        'confirm again (a retry): nothing',
        [CREATED, held(SEVEN_SORTED), confirmed(SEVEN_SORTED)],
        confirm(SEVEN),
        [],
      ],
      [
        'hold the confirmed set again (a run that began before the confirmation): nothing',
        [CREATED, held(SEVEN_SORTED), confirmed(SEVEN_SORTED)],
        hold(SEVEN),
        [],
      ],
    ])('%s', (_name, events, command, expected) => {
      expect(when(events, command)).toEqual(expected);
    });
  });

  describe('refusals', () => {
    it.each<
      [string, ApplicationSetEvent[], ApplicationSetCommand, string, string | undefined, RegExp]
    >([
      [
        'a taken name',
        [],
        create({ nameTaken: true }),
        'CONFLICT',
        'name',
        /already exists in tenant team-a/,
      ],
      ['an existing stream', [CREATED], create(), 'CONFLICT', 'name', /already exists/],
      ['a deleted stream', [CREATED, DELETED], create(), 'CONFLICT', 'name', /already exists/],
      ['an invalid name', [], create({ name: 'Guest_Book' }), 'BAD_USER_INPUT', 'name', /RFC 1123/],
      [
        'a manifest that is not an object',
        [],
        create({ manifest: ['x'] }),
        'BAD_USER_INPUT',
        'manifest',
        /manifest/,
      ],
      [
        'a manifest named otherwise',
        [],
        create({ manifest: { ...manifest(), metadata: { name: 'other' } } }),
        'BAD_USER_INPUT',
        'manifest.metadata.name',
        /must be "guestbook"/,
      ],
      [
        'an unknown applicationsSync policy',
        [],
        create({ manifest: manifest({ syncPolicy: { applicationsSync: 'upsert' } }) }),
        'BAD_USER_INPUT',
        'manifest.spec.syncPolicy.applicationsSync',
        /create-only, create-update, create-delete, sync/,
      ],
      [
        'a manifest over 1 MiB',
        [],
        create({ manifest: { ...manifest(), data: 'x'.repeat(1024 * 1024) } }),
        'BAD_USER_INPUT',
        'manifest',
        /larger than/,
      ],
      [
        'updating a missing ApplicationSet',
        [],
        update(CHANGED),
        'NOT_FOUND',
        undefined,
        /does not exist/,
      ],
      [
        'updating a deleted ApplicationSet',
        [CREATED, DELETED],
        update(CHANGED),
        'NOT_FOUND',
        undefined,
        /was deleted/,
      ],
      [
        'renaming through the manifest',
        [CREATED],
        update({ ...CHANGED, metadata: { name: 'renamed' } }),
        'BAD_USER_INPUT',
        'manifest.metadata.name',
        /must be "guestbook"/,
      ],
      [
        'deleting a missing ApplicationSet',
        [],
        { type: 'DeleteApplicationSet', data: {} },
        'NOT_FOUND',
        undefined,
        /does not exist/,
      ],
      [
        'a generation of a manifest not yet written',
        [CREATED],
        record(2),
        'BAD_USER_INPUT',
        'manifestVersion',
        /newer than the manifest/,
      ],
      ['a negative count', [CREATED], record(1, { created: -1 }), 'BAD_USER_INPUT', 'created', /./],
      [
        'a generation of a deleted ApplicationSet',
        [CREATED, DELETED],
        record(1),
        'NOT_FOUND',
        undefined,
        /was deleted/,
      ],
      [
        'an unknown failure reason',
        [CREATED],
        {
          type: 'RecordGenerationFailure',
          data: { manifestVersion: 1, reason: 'Oops' as 'GitError', message: 'x' },
        },
        'BAD_USER_INPUT',
        'reason',
        /./,
      ],
      ['holding no deletions', [CREATED], hold([]), 'BAD_USER_INPUT', 'deletions', /./],
      [
        'confirming when nothing is held',
        [CREATED],
        confirm(['a']),
        'CONFLICT',
        undefined,
        /has no held deletions/,
      ],
      [
        'confirming a subset of the held set',
        [CREATED, held(SEVEN_SORTED)],
        confirm(['a', 'b']),
        'BAD_USER_INPUT',
        'deletions',
        /must name exactly the 7 held deletions \(missing c, d, e, f, g\)/,
      ],
      [
        'confirming a different set of the same size',
        [CREATED, held(SEVEN_SORTED)],
        confirm([...SEVEN_SORTED.slice(1), 'z']),
        'BAD_USER_INPUT',
        'deletions',
        /missing a; not held z/,
      ],
      [
        'confirming after a newer hold replaced the set',
        [CREATED, held(['a']), confirmed(['a']), held(SEVEN_SORTED)],
        confirm(['a']),
        'BAD_USER_INPUT',
        'deletions',
        /missing/,
      ],
    ])('%s', (_name, events, command, code, field, message) => {
      const error = failure(events, command);
      expect(error.code).toBe(code);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    });
  });

  describe('state', () => {
    it('counts stream versions and remembers which one set the manifest', () => {
      const state = given([CREATED, generated(1), failed(), UPDATED, generated(4)]);
      expect(state).toMatchObject({
        status: 'active',
        version: 5,
        manifestVersion: 4,
        manifest: CHANGED,
      });
      expect(state.status === 'active' && state.generation).toEqual({ last: outcome(4) });
    });

    it('keeps a hold and its confirmation while a generation still holds deletions', () => {
      const events = [CREATED, held(SEVEN_SORTED), confirmed(SEVEN_SORTED)];
      const kept = given([...events, generated(1, { heldDeletions: 7 })]);
      expect(kept.status === 'active' && kept.generation.confirmed).toEqual(SEVEN_SORTED);
      const applied = given([...events, generated(1, { deleted: 7 })]);
      expect(applied.status === 'active' && applied.generation).toEqual({
        last: outcome(1, { deleted: 7 }),
      });
    });

    it('forgets a confirmation when a different set is held', () => {
      const state = given([CREATED, held(['a']), confirmed(['a']), held(SEVEN_SORTED)]);
      expect(state.status === 'active' && state.generation).toEqual({
        held: held(SEVEN_SORTED).data,
      });
    });

    it('keeps the name of a deleted ApplicationSet', () => {
      expect(given([CREATED, DELETED])).toEqual({
        status: 'deleted',
        version: 2,
        tenant: 'team-a',
        name: 'guestbook',
      });
    });
  });
});
