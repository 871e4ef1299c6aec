import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are high-entropy random strings, not passwords: a fast digest is right (docs/behaviour.md), and
 * an optional server-side pepper (HMAC key) means a stolen database alone cannot check guesses.
 */
export class SecretHasher {
  private readonly pepper: Buffer | null;

  constructor(pepper: string | null) {
    this.pepper = pepper ? Buffer.from(pepper, 'utf8') : null;
  }

  hash(secret: string): string {
    return this.pepper
      ? createHmac('sha256', this.pepper).update(secret, 'utf8').digest('hex')
      : createHash('sha256').update(secret, 'utf8').digest('hex');
  }

  /** Constant-time comparison of a presented secret against a stored digest. */
  matches(secret: string, storedHash: string): boolean {
    const presented = Buffer.from(this.hash(secret), 'hex');
    const stored = Buffer.from(storedHash, 'hex');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }
}

/** 128 bits, hex: a public identifier, like Sendcloud's public keys. */
export const newPublicKey = (): string => randomBytes(16).toString('hex');
/** 256 bits, base64url. */
export const newSecretKey = (): string => randomBytes(32).toString('base64url');
/** 256 bits, hex: the per-integration key that signs webhooks. */
export const newWebhookSignatureKey = (): string => randomBytes(32).toString('hex');
