import { Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';

@Resolver()
export class HealthResolver {
  /** The one field anyone may read: tells a client the API answers. */
  @Access('public')
  @Query(() => String, { description: 'Always "ok" when the API answers; needs no token.' })
  health(): string {
    return 'ok';
  }
}
