/** Injection tokens of the hub's composition root. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const REDIS = Symbol('REDIS');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const LOGGER = Symbol('LOGGER');
export const POLICY_PROVIDER = Symbol('POLICY_PROVIDER');
export const CLOCK = Symbol('CLOCK');
export const HUB_METRICS = Symbol('HUB_METRICS');
