import express, { type NextFunction, type Request, type Response } from 'express';

/** Where GitHub and GitLab deliver push webhooks. */
export const GIT_WEBHOOK_PATH = '/api/webhooks/git';
/** Push payloads are a few KiB; GitHub caps deliveries at 25 MB, we at 1 MiB. */
export const GIT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

/** A webhook error answer (`{ error: { code, message } }`, like the agent protocol's). */
export function sendWebhookError(
  res: Response,
  status: number,
  code: string,
  message: string,
): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Body reading for Git webhooks, mounted before the global JSON parser: the raw bytes are kept
 * (the GitHub signature is an HMAC over exactly them), whatever the content type, and a body
 * over {@link GIT_WEBHOOK_MAX_BODY_BYTES} is refused from its Content-Length (or as it streams
 * in) before any of it is read further.
 */
export function gitWebhookBodyParser() {
  const raw = express.raw({ limit: GIT_WEBHOOK_MAX_BODY_BYTES, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next();
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > GIT_WEBHOOK_MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      return sendWebhookError(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `body: ${length} bytes is over the limit of ${GIT_WEBHOOK_MAX_BODY_BYTES}`,
      );
    }
    raw(req, res, (error?: unknown) => {
      if (!error) return next();
      if ((error as { type?: string }).type === 'entity.too.large') {
        res.setHeader('connection', 'close');
        return sendWebhookError(
          res,
          413,
          'PAYLOAD_TOO_LARGE',
          `body: over the limit of ${GIT_WEBHOOK_MAX_BODY_BYTES} bytes`,
        );
      }
      sendWebhookError(res, 400, 'BAD_REQUEST', 'body: cannot be read');
    });
  };
}
