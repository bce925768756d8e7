import { v5 as uuidv5 } from 'uuid';

// Fixed namespaces: changing either changes every id derived from it, so they never change.
const APPLICATION_ID_NAMESPACE = '1bba34b2-7883-4dbf-a8e9-efdc330720b2';
const EVENT_ID_NAMESPACE = 'dc4ac7c7-526f-41a0-9697-33f95cf355bc';

/** The stream of an ApplicationSet: `applicationset-<uuid>`. */
export const applicationSetStream = (id: string): string => `applicationset-${id}`;
/** The stream of an Application: `application-<uuid>`. */
export const applicationStream = (id: string): string => `application-${id}`;

/**
 * The id of the Application `name` of ApplicationSet `applicationSetId`: a UUIDv5, so every
 * generation run (and every worker) names the same Application's stream the same way without a
 * lookup, and Argo CD's rule that an ApplicationSet's Application names are unique makes it unique.
 */
export function applicationId(applicationSetId: string, name: string): string {
  return uuidv5(`${applicationSetId}/${name}`, APPLICATION_ID_NAMESPACE);
}

/**
 * A deterministic event id for the event a job appends at `version` of `streamId`; the
 * `discriminator` tells apart events a job could append at the same place for different reasons
 * (e.g. the generation run's correlation id). A job retried after a crash re-sends the same ids,
 * which the event store treats as already written.
 */
export function applicationEventId(
  streamId: string,
  version: number,
  discriminator: string,
): string {
  return uuidv5(`${streamId}@${version}/${discriminator}`, EVENT_ID_NAMESPACE);
}
