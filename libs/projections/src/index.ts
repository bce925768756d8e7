export { flotillaEventRegistry, type FlotillaEvent } from './event-definitions';
export { tenantsProjection } from './tenants.projection';
