import { missedIntervals } from './cluster-connectivity';
import type { ClusterCommand } from './cluster.commands';
import { decide, evolve, initialClusterState, type ClusterState } from './cluster.decider';
import { clusterEventSchemas, type ClusterEvent } from './cluster.events';
import type { Connectivity } from './cluster.schema';
import { at, FACTS, REGISTERED, T0 } from './cluster.fixture';

const given = (events: ClusterEvent[]): ClusterState => events.reduce(evolve, initialClusterState);
const moved = (from: Connectivity, to: Connectivity, seconds: number, missed: number) =>
  ({
    type: 'ClusterConnectivityChanged',
    data: { from, to, at: at(seconds).toISOString(), missedIntervals: missed },
  }) as const satisfies ClusterEvent;
const sweep = (lastHeartbeatAt: Date, offlineAfterMissed?: number): ClusterCommand => ({
  type: 'SweepConnectivity',
  data: { lastHeartbeatAt, intervalSeconds: 30, offlineAfterMissed },
});

describe('missedIntervals', () => {
  it.each([
    [0, 0],
    [29, 0],
    [30, 0], // due exactly now: on time
    [30.001, 1],
    [60, 1],
    [61, 2],
    [150, 4],
    [151, 5],
    [-5, 0], // a heartbeat stamped after the sweep's clock
  ])('%ss after the last heartbeat (30s interval): %i missed', (elapsed, missed) => {
    expect(missedIntervals(T0, at(elapsed), 30)).toBe(missed);
  });
});

describe('cluster connectivity', () => {
  it.each<[string, ClusterEvent[], number, number | undefined, ClusterEvent[]]>([
    ['Ready, heartbeat due exactly now', [REGISTERED], 30, undefined, []],
    ['Ready, one interval missed', [REGISTERED], 31, undefined, [moved('Ready', 'Stale', 31, 1)]],
    ['Stale, four missed', [REGISTERED, moved('Ready', 'Stale', 31, 1)], 150, undefined, []],
    [
      'Stale, five missed (the default)',
      [REGISTERED, moved('Ready', 'Stale', 31, 1)],
      151,
      undefined,
      [moved('Stale', 'Offline', 151, 5)],
    ],
    [
      'Ready straight to Offline when sweeps were late',
      [REGISTERED],
      1000,
      undefined,
      [moved('Ready', 'Offline', 1000, 33)],
    ],
    [
      'Offline after two missed when so configured',
      [REGISTERED, moved('Ready', 'Stale', 31, 1)],
      61,
      2,
      [moved('Stale', 'Offline', 61, 2)],
    ],
    [
      'Offline stays Offline',
      [REGISTERED, moved('Ready', 'Offline', 1000, 33)],
      5000,
      undefined,
      [],
    ],
    [
      'a deregistered cluster is skipped',
      [REGISTERED, { type: 'ClusterDeregistered', data: { reason: '' } }],
      1000,
      undefined,
      [],
    ],
    ['an unknown cluster is skipped', [], 1000, undefined, []],
  ])('%s', (_name, history, seconds, offlineAfterMissed, expected) => {
    const out = decide(sweep(T0, offlineAfterMissed), given(history), { now: at(seconds) });
    expect(out).toEqual(expected);
  });

  it('goes Ready, Stale, Offline and back to Ready with the clock', () => {
    let events: ClusterEvent[] = [REGISTERED];
    let lastHeartbeatAt = T0;
    const step = (seconds: number, command: ClusterCommand): ClusterEvent[] => {
      const out = decide(command, given(events), { now: at(seconds) });
      for (const e of out) clusterEventSchemas[e.type].schema.parse(e.data);
      events = [...events, ...out];
      return out;
    };
    const beat: ClusterCommand = { type: 'ReportHeartbeat', data: { facts: FACTS } };

    expect(step(30, sweep(lastHeartbeatAt))).toEqual([]);
    expect(step(45, sweep(lastHeartbeatAt))).toEqual([moved('Ready', 'Stale', 45, 1)]);
    expect(step(100, sweep(lastHeartbeatAt))).toEqual([]);
    expect(step(160, sweep(lastHeartbeatAt))).toEqual([moved('Stale', 'Offline', 160, 5)]);
    expect(step(200, beat)).toEqual([moved('Offline', 'Ready', 200, 0)]);
    lastHeartbeatAt = at(200);
    expect(step(210, beat)).toEqual([]);
    lastHeartbeatAt = at(210);
    expect(step(240, sweep(lastHeartbeatAt))).toEqual([]);
    expect(step(241, sweep(lastHeartbeatAt))).toEqual([moved('Ready', 'Stale', 241, 1)]);
    expect(given(events)).toMatchObject({ status: 'registered', connectivity: 'Stale' });
  });
});
