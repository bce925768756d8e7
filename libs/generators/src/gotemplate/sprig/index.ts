/**
 * Sprig v3.3's GenericFuncMap as Argo CD uses it: every function except `env`, `expandenv`
 * and `getHostByName`, which Argo CD deletes so templates learn nothing about the environment.
 */
import { randomInt } from 'node:crypto';
import type { GoTemplateFunction } from '../values';
import { certificateFunctions } from './certs';
import { cryptoFunctions } from './crypto';
import { dateFunctions } from './dates';
import { defaultFunctions } from './defaults';
import { dictFunctions } from './dicts';
import { encodingFunctions } from './encoding';
import { listFunctions } from './lists';
import { numericFunctions } from './numeric';
import { regexFunctions } from './regex';
import { semverFunctions } from './semver';
import { stringFunctions } from './strings';
import { wordFunctions } from './words';

export interface SprigOptions {
  /** The clock behind `now`, `ago`, `date` of a non-time value, and certificate validity. */
  now?: () => Date;
  /** A [0,1) source behind rand*, uuidv4, shuffle, bcrypt salts, AES IVs, certificate serials. */
  random?: () => number;
}

/** Sprig draws from crypto/rand; so does the default source here. */
const secureRandom = (): number => randomInt(0, 2 ** 48) / 2 ** 48;

/** Builds Sprig's template function table (minus env, expandenv, getHostByName). */
export function sprigFunctions(options: SprigOptions = {}): Record<string, GoTemplateFunction> {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? secureRandom;
  return {
    ...stringFunctions(),
    ...wordFunctions(random),
    ...numericFunctions(random),
    ...defaultFunctions(),
    ...listFunctions(),
    ...dictFunctions(),
    ...regexFunctions(),
    ...encodingFunctions(),
    ...cryptoFunctions(random),
    ...certificateFunctions(now, random),
    ...semverFunctions(),
    ...dateFunctions(now),
  };
}
