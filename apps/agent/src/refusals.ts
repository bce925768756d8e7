import type { HubFailure } from './hub-client';

// What an operator has to do when the hub refuses the agent: the agent cannot fix these itself.

/** A 401 on the stored credential: the agent will not register again by itself, and says why. */
export function credentialRefusal(failure: HubFailure, storeLocation: string): HubFailure {
  if (failure.kind !== 'unauthenticated') return failure;
  return {
    kind: 'unauthenticated',
    message: `${failure.message}; the hub refuses this cluster's credential (deregistered, expired or replaced). The agent will not register again by itself, even with a registration token configured: that could bring back a deregistered cluster. To re-join, create a registration token (mayReplace: true to keep the cluster), delete ${storeLocation}, and restart the agent`,
  };
}

/** Adds what to do to a refused registration. */
export function registrationRefusal(failure: HubFailure, answerMayBeLost: boolean): HubFailure {
  const lost = answerMayBeLost
    ? ' An earlier attempt may have registered without its answer arriving: then use a token created with mayReplace: true.'
    : '';
  if (failure.kind === 'unauthenticated')
    return {
      ...failure,
      message: `${failure.message}; the registration token is expired, used up or revoked: create a new one.${lost}`,
    };
  if (failure.kind === 'refused' && failure.status === 409)
    return {
      ...failure,
      message: `${failure.message}; choose another FLOTILLA_CLUSTER_NAME, or re-install with a token created with mayReplace: true.${lost}`,
    };
  return failure;
}
