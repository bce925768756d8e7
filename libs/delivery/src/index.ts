export { DesiredStateReader, EMPTY_REVISION } from './desired-state.reader';
export { DesiredWaiter, type DesiredWaiterOptions, type WaitOutcome } from './desired-waiter';
export { StatusRecorder, type StatusContext, type StatusReporter } from './status-recorder';
export { RevisionCache } from './revision-cache';
