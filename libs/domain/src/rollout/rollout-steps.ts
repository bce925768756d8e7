import { compileLabelSelector } from '../tenant/label-selector';
import type { RolloutStrategy } from './rollout-strategy';
import type { RolloutTarget } from './rollout.events';

/** A target with what step selection reads: the Application's and the cluster's labels. */
export interface Candidate extends RolloutTarget {
  applicationLabels: Readonly<Record<string, string>>;
  clusterLabels: Readonly<Record<string, string>>;
}

const order = (a: RolloutTarget, b: RolloutTarget): number =>
  a.clusterName < b.clusterName
    ? -1
    : a.clusterName > b.clusterName
      ? 1
      : a.applicationName < b.applicationName
        ? -1
        : a.applicationName > b.applicationName
          ? 1
          : a.applicationId < b.applicationId
            ? -1
            : a.applicationId > b.applicationId
              ? 1
              : 0;

const strip = ({ applicationLabels: _a, clusterLabels: _c, ...target }: Candidate): RolloutTarget =>
  target;

/**
 * Which targets each step holds: in step order, each takes what it selects among the targets no
 * earlier step took (a percentage step: that share of them, at least one, in cluster name order,
 * so the same clusters go first every time). What no step takes is `excluded`.
 */
export function assignSteps(
  strategy: RolloutStrategy,
  candidates: readonly Candidate[],
): { steps: { name: string; targets: RolloutTarget[] }[]; excluded: RolloutTarget[] } {
  let left = [...candidates].sort(order);
  const steps = strategy.steps.map((step) => {
    let taken: Candidate[];
    switch (step.select.kind) {
      case 'rest':
        taken = left;
        break;
      case 'percent':
        taken =
          left.length === 0
            ? []
            : left.slice(0, Math.max(1, Math.ceil((step.select.percent * left.length) / 100)));
        break;
      case 'applicationLabels': {
        const selector = compileLabelSelector(step.select.selector, { validateValues: false });
        taken = left.filter((c) => selector.matches(c.applicationLabels));
        break;
      }
      case 'clusterLabels': {
        const selector = compileLabelSelector(step.select.selector);
        taken = left.filter((c) => selector.matches(c.clusterLabels));
        break;
      }
    }
    const took = new Set(taken);
    left = left.filter((c) => !took.has(c));
    return { name: step.name, targets: taken.map(strip) };
  });
  return { steps, excluded: left.map(strip) };
}
