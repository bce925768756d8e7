import { z } from 'zod';

/** What the agent keeps between starts: its cluster, its credential, when and from which hub it came. */
export const storedCredential = z
  .object({
    clusterId: z.string().min(1),
    credential: z.string().min(1),
    credentialExpiresAt: z.iso.datetime(),
    /** When the credential was received: the rotation rule counts its lifetime from here. */
    receivedAt: z.iso.datetime(),
    /** The hub that issued it: a credential opens only that hub (optional in older records). */
    hubUrl: z.string().min(1).optional(),
  })
  .strict();
/** A stored credential. */
export type StoredCredential = z.output<typeof storedCredential>;

/**
 * Where the credential survives restarts. `save` must be durable when it resolves: the agent
 * uses a new credential only after it has been saved (docs/agent-protocol.md, rotation).
 */
export interface CredentialStore {
  /** For logs: where the credential is kept. */
  readonly location: string;
  /** The stored credential, undefined when there is none; throws when it cannot tell. */
  load(): Promise<StoredCredential | undefined>;
  save(credential: StoredCredential): Promise<void>;
}

/** A store in memory, for simulated fleets and tests (a restart with the same object reuses it). */
export function memoryCredentialStore(initial?: StoredCredential): CredentialStore & {
  readonly current: StoredCredential | undefined;
} {
  let current = initial;
  return {
    location: 'memory',
    get current() {
      return current;
    },
    load: () => Promise.resolve(current),
    save: (credential) => {
      current = storedCredential.parse(credential);
      return Promise.resolve();
    },
  };
}
