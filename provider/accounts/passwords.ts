// Password hashing with argon2id at the OWASP-recommended parameters (tunable via configuration).
import argon2, { type HashOptions } from 'argon2';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';

/** Hashes and checks passwords; `verifyNothing` spends the same time as a real check. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Runs a verification that always fails, so unknown users take as long as wrong passwords. */
  verifyNothing(password: string): Promise<false>;
}

/** Shortest and longest password accepted when one is set. */
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const;

/** A hasher with the given argon2id parameters. */
export function createPasswordHasher(params: Config['argon2']): PasswordHasher {
  const options: HashOptions = {
    type: argon2.argon2id,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  };
  let dummy: Promise<string> | undefined;
  const hash = (password: string) => argon2.hash(password, options);
  const verify = async (stored: string, password: string) => {
    try {
      return await argon2.verify(stored, password);
    } catch {
      return false;
    }
  };
  return {
    hash,
    verify,
    async verifyNothing(password) {
      dummy ??= hash(randomBytes(32).toString('base64url'));
      await verify(await dummy, password);
      return false;
    },
  };
}
