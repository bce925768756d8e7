import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { assertNever } from '@flotilla/domain';
import { isGitError, parseRepositoryURL, readPushWebhook, type PushEvent } from '@flotilla/git';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { Access } from '../auth/access.decorator';
import { HUB_CONFIG, LOGGER } from '../infra/tokens';
import { GitRefreshQueue } from './git-refresh.queue';
import { GIT_WEBHOOK_PATH, sendWebhookError } from './git-webhook.body';

/** What a refused delivery gets, whatever was wrong: nothing to learn from trying. */
const REFUSED = 'the webhook signature or token is not valid for this hub';

/**
 * `POST /api/webhooks/git`: GitHub and GitLab push webhooks, verified with the shared secret
 * (`GIT_WEBHOOK_SECRET`). A verified push queues one `git-refresh` job per repository URL form
 * (https and ssh spellings are different mirrors), its id derived from the URL and the pushed
 * commit, so redeliveries collapse. Answers 202: the fetch happens on a worker.
 */
@Controller(GIT_WEBHOOK_PATH.slice(1, GIT_WEBHOOK_PATH.lastIndexOf('/')))
export class GitWebhookController {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly queue: GitRefreshQueue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // No user token: each delivery is authenticated by its signature or token, below.
  @Access('public')
  @Post(GIT_WEBHOOK_PATH.slice(GIT_WEBHOOK_PATH.lastIndexOf('/') + 1))
  async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    const secret = this.config.GIT_WEBHOOK_SECRET;
    if (!secret) {
      return sendWebhookError(
        res,
        503,
        'UNAVAILABLE',
        'Git webhooks are not enabled on this hub: set GIT_WEBHOOK_SECRET to the webhook secret',
      );
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = readPushWebhook(req.headers, body, secret);
    switch (outcome.kind) {
      case 'refused':
        return sendWebhookError(res, 401, 'UNAUTHENTICATED', REFUSED);
      case 'ignored':
        res.status(202).json({ accepted: false, repositories: 0, ignored: outcome.event });
        return;
      case 'malformed':
        return sendWebhookError(res, 400, 'BAD_REQUEST', `body: ${outcome.reason}`);
      case 'push':
        return this.push(outcome.push, res);
      default:
        assertNever(outcome);
    }
  }

  private async push(push: PushEvent, res: Response): Promise<void> {
    // One URL per mirror; forms the worker would refuse (http, git://) are dropped here.
    const repositories = new Map<string, string>();
    for (const url of push.repoURLs) {
      try {
        const repo = parseRepositoryURL(url, { allowFileUrls: this.config.GIT_ALLOW_FILE_URLS });
        if (!repositories.has(repo.key)) repositories.set(repo.key, repo.url);
      } catch (error) {
        if (!isGitError(error, 'UrlRefused')) throw error;
      }
    }
    try {
      for (const [key, url] of repositories) await this.queue.add(url, key, push.after);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'cannot queue a git-refresh job');
      return sendWebhookError(
        res,
        503,
        'UNAVAILABLE',
        'the refresh cannot be queued right now; redeliver the webhook later',
      );
    }
    this.logger.info(
      {
        provider: push.provider,
        ref: push.ref,
        after: push.after,
        repositories: repositories.size,
      },
      'git push webhook accepted',
    );
    res.status(202).json({ accepted: true, repositories: repositories.size });
  }
}
