/** The `reason` values of the `Status` bodies the sim sends. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Unauthorized'
  | 'Expired'
  | 'UnsupportedMediaType';

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** Identifies the object an error is about, as `Status.details` does. */
export interface StatusSubject {
  name?: string;
  group: string;
  /** The resource (plural) name, which is what the API server puts in `details.kind`. */
  kind: string;
}

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  Unauthorized: 401,
  Expired: 410,
  UnsupportedMediaType: 415,
};

/** An API error that becomes a `v1/Status` body with the matching HTTP code. */
export class StatusError extends Error {
  readonly code: number;

  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly subject?: StatusSubject,
    readonly causes?: StatusCause[],
  ) {
    super(message);
    this.code = CODES[reason];
  }

  /** The `v1/Status` body, shaped like the API server's. */
  toStatus(): Record<string, unknown> {
    const details: Record<string, unknown> | undefined = this.subject
      ? {
          ...(this.subject.name !== undefined ? { name: this.subject.name } : {}),
          group: this.subject.group,
          kind: this.subject.kind,
          ...(this.causes ? { causes: this.causes } : {}),
        }
      : undefined;
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(details ? { details } : {}),
      code: this.code,
    };
  }
}

/** `<resource>.<group>` as the API server names a resource in messages (`deployments.apps`). */
export function qualifiedResource(subject: StatusSubject): string {
  return subject.group ? `${subject.kind}.${subject.group}` : subject.kind;
}

/** 404 for a named object. */
export function notFound(subject: StatusSubject & { name: string }): StatusError {
  return new StatusError(
    'NotFound',
    `${qualifiedResource(subject)} "${subject.name}" not found`,
    subject,
  );
}

/** 409 for a create that names an existing object. */
export function alreadyExists(subject: StatusSubject & { name: string }): StatusError {
  return new StatusError(
    'AlreadyExists',
    `${qualifiedResource(subject)} "${subject.name}" already exists`,
    subject,
  );
}

/** 409 for a write carrying a stale `resourceVersion`. */
export function staleResourceVersion(subject: StatusSubject & { name: string }): StatusError {
  return new StatusError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(subject)} "${subject.name}": the object has been modified; please apply your changes to the latest version and try again`,
    subject,
  );
}

/** 422 naming each invalid field, e.g. `Deployment.apps "web" is invalid: spec.replicas: ...`. */
export function invalid(
  kind: string,
  subject: StatusSubject & { name: string },
  causes: StatusCause[],
): StatusError {
  const what = subject.group ? `${kind}.${subject.group}` : kind;
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const detail = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new StatusError(
    'Invalid',
    `${what} "${subject.name}" is invalid: ${detail}`,
    { ...subject, kind },
    causes,
  );
}
