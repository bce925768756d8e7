export { RolloutEngine, ROLLOUT_ACTOR, type RolloutActor, type TickResult } from './rollout-engine';
export { manualAllowed, windowObservation, WINDOW_RECHECK_MS } from './rollout-windows';
