import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import type { PolicyProvider } from '../authz/policy-provider';
import { POLICY_PROVIDER } from '../infra/tokens';
import type { RequestContext } from '../graphql/request-context';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorator';
import { isPlatformAdmin, type Authentication } from './principal';

/**
 * The one place authorisation is enforced, for every GraphQL operation and field resolver and
 * every HTTP route. Fails closed: a handler that declares no access policy is refused. For
 * authenticated callers it also puts the current policy on the context (`context.authz`), so
 * list resolvers filter with the same decisions.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(POLICY_PROVIDER) private readonly policies: PolicyProvider,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      throw new Error(
        `${context.getClass().name}.${context.getHandler().name} declares no @Access policy`,
      );
    }
    if (policy === 'public' || policy === 'agent') return true;
    const graphql = context.getType<string>() === 'graphql';
    const requestContext = graphql
      ? GqlExecutionContext.create(context).getContext<RequestContext>()
      : context.switchToHttp().getRequest<{ flotilla?: RequestContext }>().flotilla;
    const auth: Authentication = requestContext?.auth ?? { kind: 'anonymous' };
    if (auth.kind === 'anonymous')
      throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    if (auth.kind === 'rejected') throw new DomainError('UNAUTHENTICATED', auth.reason);
    const principal = auth.principal;
    if (policy === 'platform-admin') {
      if (!isPlatformAdmin(principal))
        throw new DomainError('FORBIDDEN', 'this needs the flotilla:platform-admins group');
      return true;
    }
    const engine = await this.policies.current();
    if (requestContext) {
      requestContext.authz = {
        can: (resource, action, object) => engine.can(principal, resource, action, object),
      };
    }
    if (policy === 'authenticated') return true;
    const args = graphql
      ? GqlExecutionContext.create(context).getArgs<Record<string, unknown>>()
      : {};
    const object = policy.object(args);
    // '*' names no object ("everything"), so there is no existence to hide.
    if (
      policy.action !== 'create' &&
      object !== '*' &&
      !engine.can(principal, policy.resource, 'get', object)
    ) {
      throw new DomainError('NOT_FOUND', `${singular(policy.resource)} ${object} not found`);
    }
    if (!engine.can(principal, policy.resource, policy.action, object)) {
      throw new DomainError(
        'FORBIDDEN',
        `you may not ${policy.action} ${singular(policy.resource)} ${object}`,
      );
    }
    return true;
  }
}

function singular(resource: string): string {
  return resource.replace(/s$/, '');
}
