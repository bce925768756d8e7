import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from './catalogue';
import { createMetricsRegistry } from './registry';

const DASHBOARD = join(__dirname, '../../../deploy/grafana/flotilla-operations.json');

interface Panel {
  type: string;
  id: number;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

/** Labels every series carries besides its own: ours (`app`) and Prometheus's target labels. */
const COMMON_LABELS = ['app', 'instance', 'job'];

/** Every series name the apps export, with the label names each may be selected by. */
async function exportedSeries(): Promise<Map<string, Set<string>>> {
  const series = new Map<string, Set<string>>();
  const add = (name: string, kind: string, labels: readonly string[]) => {
    const names = new Set([...labels, ...COMMON_LABELS]);
    if (kind !== 'histogram') return void series.set(name, names);
    series.set(`${name}_bucket`, new Set([...names, 'le']));
    series.set(`${name}_sum`, names);
    series.set(`${name}_count`, names);
  };
  for (const d of Object.values(METRICS)) add(d.name, d.kind, d.labelNames);
  // The process metrics, as a registry of ours registers them.
  const registry = createMetricsRegistry({ app: 'hub' });
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = m.values.flatMap((v) => Object.keys(v.labels));
    add(m.name, String(m.type), labels);
  }
  return series;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  schemaVersion: number;
  uid: string;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: Panel[];
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

describe('the Grafana dashboard (deploy/grafana/flotilla-operations.json)', () => {
  it('is a dashboard of schema ~39 with a Prometheus datasource variable every query uses', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('flotilla-operations');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const p of panels) {
      expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({
        panel: p.title,
        uid: '${datasource}',
      });
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe('${datasource}');
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'API',
      'Agents',
      'Fleet',
      'Delivery and rollouts',
      'Queues',
      'Projections',
      'Process',
    ]);
  });

  it('queries only metrics the apps register, selected by labels they have', async () => {
    const series = await exportedSeries();
    const unknown: string[] = [];
    for (const { panel, expr } of exprs) {
      const names = expr.match(/\bflotilla_[a-z0-9_]+/g) ?? [];
      expect({ panel, names: names.length }).not.toEqual({ panel, names: 0 });
      for (const name of names) if (!series.has(name)) unknown.push(`${panel}: ${name}`);
      // name{label="value", ...}: each label must be one the series has.
      for (const m of expr.matchAll(/\b(flotilla_[a-z0-9_]+)\{([^}]*)\}/g)) {
        const labels = [...m[2]!.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!);
        for (const label of labels) {
          if (!series.get(m[1]!)?.has(label)) unknown.push(`${panel}: ${m[1]} has no ${label}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses every metric of the catalogue somewhere', () => {
    const text = exprs.map((e) => e.expr).join('\n');
    const unused = Object.values(METRICS)
      .map((d) => d.name)
      .filter((name) => !new RegExp(`\\b${name}(_bucket|_sum|_count)?\\b`).test(text));
    expect(unused).toEqual([]);
  });
});
