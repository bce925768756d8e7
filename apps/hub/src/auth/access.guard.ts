import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import type { RequestContext } from '../graphql/request-context';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorator';
import { isPlatformAdmin } from './principal';

/**
 * The one place authorisation is enforced, for every GraphQL operation and field resolver and
 * every HTTP route. Fails closed: a handler that declares no access policy is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no @Access policy`);
    }
    if (policy === 'public') return true;
    const auth =
      context.getType<string>() === 'graphql'
        ? GqlExecutionContext.create(context).getContext<RequestContext>().auth
        : (context.switchToHttp().getRequest<{ flotilla?: RequestContext }>().flotilla?.auth ?? { kind: 'anonymous' });
    if (auth.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    if (auth.kind === 'rejected') throw new DomainError('UNAUTHENTICATED', auth.reason);
    if (policy === 'platform-admin' && !isPlatformAdmin(auth.principal)) {
      throw new DomainError('FORBIDDEN', 'this needs the flotilla:platform-admins group');
    }
    return true;
  }
}
