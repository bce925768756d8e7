/** Go struct values (time.Time, *semver.Version): the engine's module, re-exported for Sprig. */
export {
  GO_OBJECT,
  goObjectOf,
  makeGoObject,
  type GoObjectField,
  type GoObjectInfo,
} from '../go-object';
