import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Authentication } from './principal';

export interface TokenVerifierOptions {
  audience: string;
  /** HS256 shared secret (development and tests). */
  secret?: string;
  /** An OIDC issuer's JWKS, for production. */
  jwksUrl?: string;
  issuer?: string;
}

/**
 * Verifies bearer JWTs (`sub`, `groups`, audience `flotilla`) with a shared HS256 secret or an
 * OIDC issuer's JWKS. Never throws: a bad token becomes a `rejected` authentication.
 */
export class TokenVerifier {
  private readonly secret: Uint8Array | null;
  private readonly jwks: JWTVerifyGetKey | null;

  constructor(private readonly options: TokenVerifierOptions) {
    this.secret = options.secret ? new TextEncoder().encode(options.secret) : null;
    this.jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : null;
  }

  /** Reads an `Authorization` header value (`Bearer <jwt>`); undefined means anonymous. */
  async authenticate(header: string | undefined): Promise<Authentication> {
    if (!header) return { kind: 'anonymous' };
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1])
      return { kind: 'rejected', reason: 'the Authorization header must be "Bearer <token>"' };
    try {
      const payload = await this.verify(match[1]);
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        return { kind: 'rejected', reason: 'the token has no subject (sub)' };
      }
      const groups = payload['groups'];
      if (
        groups !== undefined &&
        !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))
      ) {
        return { kind: 'rejected', reason: "the token's groups claim must be a list of strings" };
      }
      return {
        kind: 'authenticated',
        principal: { sub: payload.sub, groups: (groups as string[]) ?? [] },
      };
    } catch (error) {
      return { kind: 'rejected', reason: describe(error) };
    }
  }

  private async verify(token: string): Promise<JWTPayload> {
    const common = {
      audience: this.options.audience,
      ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
    };
    if (this.jwks) {
      try {
        return (
          await jwtVerify(token, this.jwks, {
            ...common,
            algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
          })
        ).payload;
      } catch (error) {
        if (!this.secret) throw error;
      }
    }
    if (!this.secret) throw new Error('no verification key configured');
    return (await jwtVerify(token, this.secret, { ...common, algorithms: ['HS256'] })).payload;
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  return 'the token is not valid';
}
