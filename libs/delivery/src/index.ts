export { DesiredStateReader, EMPTY_REVISION } from './desired-state.reader';
