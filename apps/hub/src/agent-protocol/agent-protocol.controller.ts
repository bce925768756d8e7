import {
  All,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Req,
  UseFilters,
} from '@nestjs/common';
import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  heartbeatRequest,
  registerRequest,
  rotateCredentialRequest,
  type HeartbeatResponse,
  type RegisterResponse,
  type RotateCredentialResponse,
} from '@flotilla/contracts';
import { DomainError, zodIssueToDomainError } from '@flotilla/domain';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator';
import { AgentErrorFilter, NotImplementedError } from './agent-error.filter';
import { AgentProtocolService, type AgentCallContext } from './agent-protocol.service';

const path = (p: string) => p.slice(1);

/** Validates a request body against its wire schema: 400 naming the first bad field. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw zodIssueToDomainError(parsed.error, 'body');
  return parsed.data;
}

function callOf(req: Request): AgentCallContext {
  const given = req.headers['x-request-id'];
  return {
    requestId: typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID(),
    clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
  };
}

/** The agent protocol, REST JSON under /api/agent/v1 (docs/agent-protocol.md). */
@Controller(AGENT_API_PREFIX.slice(1))
@UseFilters(AgentErrorFilter)
export class AgentProtocolController {
  constructor(private readonly service: AgentProtocolService) {}

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

  @Access('agent')
  @Get(path(AGENT_PATHS.desired))
  desired(): never {
    throw notYet();
  }

  @Access('agent')
  @Get(path(AGENT_PATHS.bundle))
  bundle(): never {
    throw notYet();
  }

  @Access('agent')
  @Post(path(AGENT_PATHS.status))
  status(): never {
    throw notYet();
  }

  /** Any other path under the prefix: the protocol's own 404 body, not the framework's. */
  @Access('agent')
  @All('*path')
  unknown(): never {
    throw new DomainError('NOT_FOUND', 'no such agent protocol path (see docs/agent-protocol.md)');
  }
}

/** Reserved paths answer 501 until the delivery issue adds them. */
function notYet(): NotImplementedError {
  return new NotImplementedError('reserved for delivery: this hub does not serve it yet');
}
