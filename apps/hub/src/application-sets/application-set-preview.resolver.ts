import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import { Access } from '../auth/access.decorator';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { TenantService } from '../tenants/tenant.service';
import { readSubmittedManifest } from './application-set-manifest';
import { ApplicationSetPreview } from './application-set-preview.model';
import { ApplicationSetPreviewService } from './application-set-preview.service';
import { ApplicationSetReadModel } from './application-set.read-model';

@Resolver(() => ApplicationSetPreview)
export class ApplicationSetPreviewResolver {
  constructor(
    private readonly previews: ApplicationSetPreviewService,
    private readonly reads: ApplicationSetReadModel,
    private readonly tenants: TenantService,
  ) {}

  /**
   * A mutation (a dry run of create or update) because it answers what a write would do; it
   * writes nothing. Needs the right the write would need: `update` when the tenant has a live
   * ApplicationSet of this name, `create` otherwise.
   */
  @Access('authenticated')
  @Mutation(() => ApplicationSetPreview, {
    description:
      'What submitting this manifest (YAML or JSON) to the tenant would create, change and ' +
      'delete now, cluster by cluster, planned against the live ApplicationSet of the same ' +
      'name if there is one. Writes nothing.',
  })
  async previewApplicationSet(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String }) tenant: string,
    @Args('manifest', { type: () => String }) manifest: string,
  ): Promise<ApplicationSetPreview> {
    const submitted = readSubmittedManifest(manifest);
    const object = `${tenant}/${submitted.name}`;
    const authz = authzOf(context);
    const mayCreate = authz.can('applicationsets', 'create', object);
    const mayUpdate = authz.can('applicationsets', 'update', object);
    // Refused before any look-up, so the answer says nothing of what the tenant holds.
    if (!mayCreate && !mayUpdate)
      throw new DomainError('FORBIDDEN', `you may not preview applicationset ${object}`);
    if (!(await this.tenants.get(tenant)))
      throw new DomainError('NOT_FOUND', `tenant ${tenant} not found`, 'tenant');
    const existing = await this.reads.findSet(tenant, submitted.name);
    if (existing ? !mayUpdate : !mayCreate)
      throw new DomainError(
        'FORBIDDEN',
        `you may not ${existing ? 'update' : 'create'} applicationset ${object}`,
      );
    // A confirmed deletion set applies to the next run, so the preview plans with it too.
    const confirmed = existing?.status.confirmed?.deletions;
    return this.previews.preview({
      applicationSetId: existing?.id ?? null,
      tenant,
      manifest: submitted.manifest,
      ...(confirmed ? { confirmedDeletions: confirmed } : {}),
    });
  }
}
