import {
  AGENT_ERROR_STATUS,
  AGENT_MAX_BODY_BYTES,
  AGENT_MAX_STATUS_BODY_BYTES,
  AGENT_PATHS,
  type AgentErrorCode,
} from '@flotilla/contracts';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Writes an agent protocol error answer. */
export function sendAgentError(
  res: Response,
  code: AgentErrorCode,
  message: string,
  field?: string,
): void {
  res
    .status(AGENT_ERROR_STATUS[code])
    .json({ error: { code, message, ...(field ? { field } : {}) } });
}

/**
 * Body parsing for the agent protocol, mounted before the global parser: JSON only, and a body
 * over AGENT_MAX_BODY_BYTES (AGENT_MAX_STATUS_BODY_BYTES for status reports) is refused from its Content-Length (or as it streams in) before any
 * of it is parsed.
 */
export function agentBodyParser() {
  const parsers = new Map(
    [AGENT_MAX_BODY_BYTES, AGENT_MAX_STATUS_BODY_BYTES].map((limit) => [
      limit,
      express.json({ limit, strict: true, type: () => true }),
    ]),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next();
    // Status reports list every Application of a cluster: they get a larger limit.
    const limit =
      req.path === AGENT_PATHS.status ? AGENT_MAX_STATUS_BODY_BYTES : AGENT_MAX_BODY_BYTES;
    const json = parsers.get(limit)!;
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limit) {
      res.setHeader('connection', 'close');
      return sendAgentError(
        res,
        'PAYLOAD_TOO_LARGE',
        `body: ${length} bytes is over the limit of ${limit}`,
      );
    }
    if (!req.is('application/json')) {
      return sendAgentError(
        res,
        'UNSUPPORTED_MEDIA_TYPE',
        'body: must be JSON (Content-Type: application/json)',
      );
    }
    json(req, res, (error?: unknown) => {
      if (!error) return next();
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') {
        return sendAgentError(res, 'PAYLOAD_TOO_LARGE', `body: over the limit of ${limit} bytes`);
      }
      sendAgentError(res, 'BAD_REQUEST', `body: not valid JSON (${(error as Error).message})`);
    });
  };
}
