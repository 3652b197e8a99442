/**
 * Temporary credentials as STS issues them. Rather than a table of every issued key (a disk write per
 * AssumeRoleWithWebIdentity), the credentials are sealed into their own session token with AES-256-GCM under a key
 * kept in DIR/state.json: the token is opaque and unforgeable, and it verifies later signatures (also after a
 * restart) without any per-issue state.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

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
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Random bytes drawn in 4 KiB blocks: one getrandom per ~70 issued credentials instead of several per credential
 * (the per-call cost dominated issuing under load).
 */
class RandomPool {
  private block = Buffer.alloc(0);
  private offset = 0;
  take(n: number): Buffer {
    if (this.offset + n > this.block.length) {
      this.block = randomBytes(4096);
      this.offset = 0;
    }
    const out = this.block.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

export class CredentialIssuer {
  private readonly key: Buffer;
  private readonly pool = new RandomPool();
  constructor(key: Buffer) {
    this.key = key;
  }

  issue(identity: SessionIdentity, expiration: number): SessionCredentials {
    // 16 bytes for the key id, 30 for the secret (40 base64 characters: the length and alphabet of AWS secret keys),
    // 12 for the GCM nonce.
    const random = this.pool.take(58);
    let accessKeyId = 'ASIA';
    for (let i = 0; i < 16; i++) accessKeyId += ID_CHARS[random[i] & 31];
    const secretAccessKey = random.subarray(16, 46).toString('base64');
    const sealed: Sealed = { k: accessKeyId, s: secretAccessKey, x: expiration, a: identity.arn, u: identity.userId };
    const iv = random.subarray(46, 58);
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
