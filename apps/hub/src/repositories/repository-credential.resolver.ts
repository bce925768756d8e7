import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { HubConfig } from '@flotilla/config';
import {
  compileTenantPolicy,
  DomainError,
  normalizeRepoURL,
  repositoryCredentialStream,
  type RepositoryCredentialEvent,
} from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import {
  isGitError,
  RepositoryCredentialStore,
  tenantRepositoryCheck,
  type RepositoryCredentials,
} from '@flotilla/git';
import { SecretBox } from '@flotilla/secrets';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Access } from '../auth/access.decorator';
import { principalOf, type RequestContext } from '../graphql/request-context';
import { EVENT_STORE, HUB_CONFIG, LOGGER, PG_POOL } from '../infra/tokens';
import { TenantService } from '../tenants/tenant.service';
import {
  RepositoryCredential,
  RepositoryCredentialType,
  SetRepositoryCredentialsInput,
} from './repository-credential.model';

const repositoriesOf = (tenant: unknown) => `${String(tenant ?? '')}/repositories`;
const inputTenant = (args: Record<string, unknown>) =>
  repositoriesOf((args['input'] as { tenant?: unknown } | undefined)?.tenant);

/**
 * Credentials of private repositories, per tenant: tenant admins and platform admins set and
 * remove them; they are sealed at rest and never returned. Only repositories the tenant may use
 * (its sourceRepos) can have credentials.
 */
@Resolver(() => RepositoryCredential)
export class RepositoryCredentialResolver {
  private readonly store: RepositoryCredentialStore;
  private readonly box: SecretBox;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenants: TenantService,
  ) {
    this.box = new SecretBox(config.SECRETS_KEYS);
    this.store = new RepositoryCredentialStore(pool, this.box, {
      allowFileUrls: config.GIT_ALLOW_FILE_URLS,
    });
  }

  @Access({ resource: 'repositories', action: 'update', object: inputTenant })
  @Mutation(() => RepositoryCredential, {
    description:
      'Stores (or replaces) the credentials a tenant uses for a private repository. They are sealed with AES-256-GCM and never returned.',
  })
  async setRepositoryCredentials(
    @Args('input', { type: () => SetRepositoryCredentialsInput })
    input: SetRepositoryCredentialsInput,
    @Context() context: RequestContext,
  ): Promise<RepositoryCredential> {
    if (this.box.activeKeyId === undefined)
      throw new DomainError(
        'UNAVAILABLE',
        'this hub cannot store credentials: set SECRETS_KEYS (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))',
      );
    const tenant = await this.tenants.get(input.tenant);
    if (!tenant)
      throw new DomainError('NOT_FOUND', `tenant ${input.tenant} not found`, 'input.tenant');
    const refusal = tenantRepositoryCheck(compileTenantPolicy(tenant.spec))(input.url);
    if (refusal !== undefined)
      throw new DomainError('BAD_USER_INPUT', `input.url: ${refusal}`, 'input.url');
    const credentials = credentialsOf(input);
    await this.audited(context, input.tenant, async (client) => {
      try {
        await this.store.put(input.tenant, input.url, credentials, client);
      } catch (error) {
        if (!isGitError(error)) throw error;
        // GitError messages name the field, never the secret.
        const field =
          error.code === 'UrlRefused' && !error.message.startsWith('credentials')
            ? 'input.url'
            : 'input';
        throw new DomainError('BAD_USER_INPUT', error.message, field);
      }
      return {
        type: 'RepositoryCredentialsSet',
        data: { tenant: input.tenant, url: input.url, type: credentials.type },
      };
    });
    return this.find(input.tenant, input.url);
  }

  @Access({
    resource: 'repositories',
    action: 'delete',
    object: (args) => repositoriesOf(args['tenant']),
  })
  @Mutation(() => Boolean, {
    description: 'Removes stored credentials; false when there were none.',
  })
  async deleteRepositoryCredentials(
    @Args('tenant', { type: () => String }) tenant: string,
    @Args('url', { type: () => String }) url: string,
    @Context() context: RequestContext,
  ): Promise<boolean> {
    let deleted = false;
    await this.audited(context, tenant, async (client) => {
      deleted = await this.store.delete(tenant, url, client);
      return deleted ? { type: 'RepositoryCredentialsRemoved', data: { tenant, url } } : null;
    });
    return deleted;
  }

  @Access({
    resource: 'repositories',
    action: 'get',
    object: (args) => repositoriesOf(args['tenant']),
  })
  @Query(() => [RepositoryCredential], {
    description: 'The repositories a tenant has credentials for (never the credentials).',
  })
  async repositoryCredentials(
    @Args('tenant', { type: () => String }) tenant: string,
  ): Promise<RepositoryCredential[]> {
    return (await this.store.list(tenant)).map((c) => ({
      tenant,
      url: c.url,
      keyId: c.keyId,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    }));
  }

  /**
   * Runs `change` and appends the event it returns in one transaction, so the log says who
   * stored or removed which credentials exactly when it happened.
   */
  private async audited(
    context: RequestContext,
    tenant: string,
    change: (client: PoolClient) => Promise<RepositoryCredentialEvent | null>,
  ): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const event = await change(client);
      if (event) {
        const principal = principalOf(context);
        await this.events.append(
          repositoryCredentialStream(tenant),
          'any',
          [event],
          {
            actor: principal.sub,
            actorGroups: [...principal.groups],
            tenantId: tenant,
            requestId: context.requestId,
            correlationId: context.requestId,
            clientAddress: context.clientAddress,
          },
          { client },
        );
      }
      await client.query('COMMIT');
      if (event)
        this.logger.info(
          { tenant, event: event.type, url: event.data.url },
          'repository credentials changed',
        );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async find(tenant: string, url: string): Promise<RepositoryCredential> {
    const key = normalizeRepoURL(url);
    const found = (await this.store.list(tenant)).find((c) => c.urlKey === key);
    if (!found) throw new Error(`credentials of ${url} not found after storing them`);
    return {
      tenant,
      url: found.url,
      keyId: found.keyId,
      createdAt: found.createdAt,
      updatedAt: found.updatedAt,
    };
  }
}

function credentialsOf(input: SetRepositoryCredentialsInput): RepositoryCredentials {
  const extra = (field: string) =>
    new DomainError(
      'BAD_USER_INPUT',
      `input.${field}: not used with type ${input.type}`,
      `input.${field}`,
    );
  const missing = (field: string) =>
    new DomainError(
      'BAD_USER_INPUT',
      `input.${field}: required with type ${input.type}`,
      `input.${field}`,
    );
  if (input.type === RepositoryCredentialType.https) {
    if (input.sshPrivateKey != null) throw extra('sshPrivateKey');
    if (!input.username) throw missing('username');
    if (!input.password) throw missing('password');
    return { type: 'https', username: input.username, password: input.password };
  }
  if (input.username != null) throw extra('username');
  if (input.password != null) throw extra('password');
  if (!input.sshPrivateKey) throw missing('sshPrivateKey');
  return { type: 'ssh', privateKey: input.sshPrivateKey };
}
