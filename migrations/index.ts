import { EventStore1764300000000 } from './1764300000000-event-store';

/** Every migration, oldest first. A new migration is added at the end of this list. */
export const migrations = [EventStore1764300000000];
