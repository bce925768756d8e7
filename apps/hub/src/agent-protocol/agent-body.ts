import { AGENT_ERROR_STATUS, AGENT_MAX_BODY_BYTES, type AgentErrorCode } from '@flotilla/contracts';
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
 * over AGENT_MAX_BODY_BYTES is refused from its Content-Length (or as it streams in) before any
 * of it is parsed.
 */
export function agentBodyParser() {
  const json = express.json({ limit: AGENT_MAX_BODY_BYTES, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next();
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > AGENT_MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      return sendAgentError(
        res,
        'PAYLOAD_TOO_LARGE',
        `body: ${length} bytes is over the limit of ${AGENT_MAX_BODY_BYTES}`,
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
        return sendAgentError(
          res,
          'PAYLOAD_TOO_LARGE',
          `body: over the limit of ${AGENT_MAX_BODY_BYTES} bytes`,
        );
      }
      sendAgentError(res, 'BAD_REQUEST', `body: not valid JSON (${(error as Error).message})`);
    });
  };
}
