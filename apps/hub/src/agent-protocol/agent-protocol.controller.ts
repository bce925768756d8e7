import {
  All,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  desiredQuery,
  heartbeatRequest,
  statusRequest,
  registerRequest,
  rotateCredentialRequest,
  type HeartbeatResponse,
  type RegisterResponse,
  type RotateCredentialResponse,
  type StatusResponse,
} from '@flotilla/contracts';
import { DomainError, zodIssueToDomainError } from '@flotilla/domain';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator';
import { requestIdOf } from '../infra/request-id';
import { AgentErrorFilter } from './agent-error.filter';
import { AgentProtocolService, type AgentCallContext } from './agent-protocol.service';
import { DeliveryProtocolService } from './delivery-protocol.service';

const path = (p: string) => p.slice(1);

/** Validates a request body against its wire schema: 400 naming the first bad field. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw zodIssueToDomainError(parsed.error, 'body');
  return parsed.data;
}

function callOf(req: Request): AgentCallContext {
  return {
    requestId: requestIdOf(req),
    clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
  };
}

/** The agent protocol, REST JSON under /api/agent/v1 (docs/agent-protocol.md). */
@Controller(AGENT_API_PREFIX.slice(1))
@UseFilters(AgentErrorFilter)
export class AgentProtocolController {
  constructor(
    private readonly service: AgentProtocolService,
    private readonly delivery: DeliveryProtocolService,
  ) {}

  @Access('agent')
  @Post(path(AGENT_PATHS.register))
  @HttpCode(201)
  register(@Body() body: unknown, @Req() req: Request): Promise<RegisterResponse> {
    return this.service.register(parseBody(registerRequest, body), callOf(req));
  }

  @Access('agent')
  @Post(path(AGENT_PATHS.heartbeat))
  @HttpCode(200)
  heartbeat(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<HeartbeatResponse> {
    return this.service.heartbeat(authorization, parseBody(heartbeatRequest, body));
  }

  @Access('agent')
  @Post(path(AGENT_PATHS.rotateCredential))
  @HttpCode(200)
  rotate(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: Request,
  ): Promise<RotateCredentialResponse> {
    parseBody(rotateCredentialRequest, body);
    return this.service.rotate(authorization, callOf(req));
  }

  /**
   * The cluster's desired state: 200 at once when its revision differs from `?revision=`, else
   * held up to `waitSeconds` and then 200 on a change or 304. A client that goes away ends the
   * wait.
   */
  @Access('agent')
  @Get(path(AGENT_PATHS.desired))
  async desired(
    @Query() query: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { clusterId } = await this.service.authenticate(authorization, undefined);
    const parsed = parseBody(desiredQuery, query);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const answer = await this.delivery.desired(clusterId, parsed, gone.signal);
    if (res.destroyed) return;
    res.setHeader('cache-control', 'no-store');
    if (!answer) {
      res.status(304).end();
      return;
    }
    res.status(200).json(answer);
  }

  /**
   * A bundle of one of the cluster's current Applications, by content id: immutable, so it
   * carries its id as ETag and `If-None-Match` answers 304. Any other id is 404, whether or not
   * it exists.
   */
  @Access('agent')
  @Get(path(AGENT_PATHS.bundle))
  async bundle(
    @Param('bundleId') bundleId: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { clusterId } = await this.service.authenticate(authorization, undefined);
    const bundle = await this.delivery.bundle(clusterId, bundleId);
    const etag = `"${bundle.id}"`;
    res.setHeader('etag', etag);
    res.setHeader('cache-control', 'private, max-age=31536000, immutable');
    const matches = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (matches.includes(etag) || matches.includes('*')) {
      res.status(304).end();
      return;
    }
    res.status(200).type('application/json').end(bundle.json);
  }

  /** What changed on the cluster: recorded as delivery events where something did. */
  @Access('agent')
  @Post(path(AGENT_PATHS.status))
  @HttpCode(200)
  async status(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: Request,
  ): Promise<StatusResponse> {
    const { clusterId } = await this.service.authenticate(authorization, undefined);
    return this.delivery.status(clusterId, parseBody(statusRequest, body), callOf(req));
  }

  /** Any other path under the prefix: the protocol's own 404 body, not the framework's. */
  @Access('agent')
  @All('*path')
  unknown(): never {
    throw new DomainError('NOT_FOUND', 'no such agent protocol path (see docs/agent-protocol.md)');
  }
}
