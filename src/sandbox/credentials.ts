/**
 * Temporary credentials as STS issues them. Rather than a table of every issued key (a disk write per
 * AssumeRoleWithWebIdentity), the credentials are sealed into their own session token with AES-256-GCM under a key
 * kept in DIR/state.json: the token is opaque and unforgeable, and it verifies later signatures (also after a
 * restart) without any per-issue state.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { uniqueId } from './iam-store.js';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Unix seconds. */
  expiration: number;
}

/** Who a session is: what GetCallerIdentity answers. */
export interface SessionIdentity {
  arn: string;
  userId: string;
}

interface Sealed {
  k: string;
  s: string;
  x: number;
  a: string;
  u: string;
}

const VERSION = 1;

export class CredentialIssuer {
  private readonly key: Buffer;
  constructor(key: Buffer) {
    this.key = key;
  }

  issue(identity: SessionIdentity, expiration: number): SessionCredentials {
    const accessKeyId = uniqueId('ASIA', 16);
    // One draw for the secret and the IV: 30 random bytes are 40 base64 characters, the length (and alphabet) of
    // AWS secret keys; 12 more are the GCM nonce.
    const random = randomBytes(42);
    const secretAccessKey = random.subarray(0, 30).toString('base64');
    const sealed: Sealed = { k: accessKeyId, s: secretAccessKey, x: expiration, a: identity.arn, u: identity.userId };
    const iv = random.subarray(30);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(sealed), 'utf8'), cipher.final()]);
    const token = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64');
    return { accessKeyId, secretAccessKey, sessionToken: token, expiration };
  }

  /** The credentials sealed in `token`, or undefined when it was not issued by this sandbox (or was altered). */
  open(token: string): (SessionCredentials & SessionIdentity) | undefined {
    if (token.length > 8192) return undefined;
    const raw = Buffer.from(token, 'base64');
    if (raw.length < 1 + 12 + 16 + 2 || raw[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(1, 13));
      decipher.setAuthTag(raw.subarray(13, 29));
      const text = Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
      const s = JSON.parse(text) as Sealed;
      return {
        accessKeyId: s.k,
        secretAccessKey: s.s,
        sessionToken: token,
        expiration: s.x,
        arn: s.a,
        userId: s.u,
      };
    } catch {
      return undefined;
    }
  }
}
