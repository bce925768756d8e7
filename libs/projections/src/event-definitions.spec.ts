import {
  applicationEventSchemas,
  applicationSetEventSchemas,
  clusterEventSchemas,
  registrationTokenEventSchemas,
  tenantEventSchemas,
} from '@flotilla/domain';
import { flotillaEventRegistry } from './event-definitions';

describe('flotillaEventRegistry', () => {
  const registry = flotillaEventRegistry();

  it.each(
    [
      tenantEventSchemas,
      clusterEventSchemas,
      registrationTokenEventSchemas,
      applicationSetEventSchemas,
      applicationEventSchemas,
    ].flatMap((schemas) => Object.keys(schemas)),
  )('registers %s', (type) => {
    expect(registry.has(type)).toBe(true);
  });

  it('validates event data on the way in, naming the field', () => {
    expect(() => registry.encode('TenantDeleted', { name: 3 })).toThrow(
      /TenantDeleted v1: data\.name/,
    );
  });
});
