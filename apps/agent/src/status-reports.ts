import {
  AGENT_MAX_STATUS_BODY_BYTES,
  type ApplicationStatusWire,
  type StatusRequest,
} from '@flotilla/contracts';

type RemovedWire = StatusRequest['removed'][number];

/** One `POST /status` body and the reports it carries. */
export interface StatusBatch {
  body: StatusRequest;
}

/** Room left for the envelope and for JSON growth under the body limit. */
const ENVELOPE_BYTES = 4 * 1024;
const MAX_ITEMS = 5000;

/** What makes two reports of an Application the same: everything but when it was observed. */
function sameness(report: ApplicationStatusWire): string {
  const { observedAt: _observedAt, ...rest } = report;
  return JSON.stringify(rest);
}

/**
 * The reports waiting to go to the hub. An Application's report is kept only when it differs
 * from the last one the hub accepted (observedAt aside), and a newer report replaces an unsent
 * older one, so a failed POST loses nothing and a retry sends only the newest of each.
 */
export class StatusReports {
  /** The last report the hub accepted, per Application, as {@link sameness}. */
  private readonly accepted = new Map<string, string>();
  private readonly pending = new Map<string, ApplicationStatusWire>();
  private readonly removals = new Map<string, RemovedWire>();

  /** Keeps `report` when it says something the hub has not accepted yet. */
  offer(report: ApplicationStatusWire): void {
    if (this.accepted.get(report.id) === sameness(report)) this.pending.delete(report.id);
    else this.pending.set(report.id, report);
  }

  /** A removal done on the cluster; reported once. */
  removed(report: RemovedWire): void {
    this.removals.set(report.id, report);
  }

  /** The Application is not the cluster's any more: the hub would refuse a report of it. */
  forget(applicationId: string): void {
    this.pending.delete(applicationId);
    this.accepted.delete(applicationId);
  }

  get waiting(): boolean {
    return this.pending.size > 0 || this.removals.size > 0;
  }

  /** Everything waiting, in bodies within the protocol's size and count limits. */
  batches(revision: string | null): StatusBatch[] {
    const batches: StatusBatch[] = [];
    let body: StatusRequest = { revision, applications: [], removed: [] };
    let bytes = ENVELOPE_BYTES;
    const add = (
      size: number,
      put: (b: StatusRequest) => void,
      count: (b: StatusRequest) => number,
    ) => {
      if (bytes + size > AGENT_MAX_STATUS_BODY_BYTES || count(body) >= MAX_ITEMS) {
        batches.push({ body });
        body = { revision, applications: [], removed: [] };
        bytes = ENVELOPE_BYTES;
      }
      put(body);
      bytes += size;
    };
    for (const report of this.removals.values())
      add(
        JSON.stringify(report).length + 1,
        (b) => b.removed.push(report),
        (b) => b.removed.length,
      );
    for (const report of this.pending.values())
      add(
        Buffer.byteLength(JSON.stringify(report)) + 1,
        (b) => b.applications.push(report),
        (b) => b.applications.length,
      );
    if (body.applications.length > 0 || body.removed.length > 0) batches.push({ body });
    return batches;
  }

  /** The hub accepted `batch`. */
  sent(batch: StatusBatch): void {
    for (const report of batch.body.applications) {
      this.accepted.set(report.id, sameness(report));
      if (this.pending.get(report.id) === report) this.pending.delete(report.id);
    }
    for (const report of batch.body.removed)
      if (this.removals.get(report.id) === report) this.removals.delete(report.id);
  }

  /** The hub refused `batch` for good: resending it as is would be refused again. */
  drop(batch: StatusBatch): void {
    for (const report of batch.body.applications)
      if (this.pending.get(report.id) === report) this.pending.delete(report.id);
    for (const report of batch.body.removed)
      if (this.removals.get(report.id) === report) this.removals.delete(report.id);
  }
}
