/** Query-protocol parameters (form body or query string), with AWS's errors for missing or malformed ones. */
import { constraintError, missingParameter, type Tag } from '../core/aws/iam-validation.js';
import { AwsFault } from './fault.js';

/** `RoleName` -> `roleName`, the member name AWS's validation messages use. */
function field(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

export class Params {
  private readonly q: URLSearchParams;
  constructor(q: URLSearchParams) {
    this.q = q;
  }

  get action(): string | undefined {
    return this.q.get('Action') ?? undefined;
  }

  get(name: string): string | undefined {
    return this.q.get(name) ?? undefined;
  }

  required(name: string): string {
    const v = this.q.get(name);
    if (v === null) throw new AwsFault(missingParameter(field(name)));
    return v;
  }

  /** A whole number, or undefined when absent. */
  int(name: string): number | undefined {
    const v = this.q.get(name);
    if (v === null) return undefined;
    if (!/^-?\d{1,15}$/.test(v.trim())) {
      throw new AwsFault(constraintError(field(name), v, 'Member must be a number'));
    }
    return Number(v.trim());
  }

  /** A query-protocol list: `Name.member.1`, `Name.member.2`, … (undefined when no member is present). */
  list(name: string): string[] | undefined {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.q.get(`${name}.member.${i}`);
      if (v === null) break;
      out.push(v);
    }
    // An empty list is sent as `Name=` (botocore) — present but empty.
    if (out.length === 0) return this.q.has(name) ? [] : undefined;
    return out;
  }

  tags(name = 'Tags'): Tag[] {
    const out: Tag[] = [];
    for (let i = 1; ; i++) {
      const key = this.q.get(`${name}.member.${i}.Key`);
      if (key === null) break;
      out.push({ Key: key, Value: this.q.get(`${name}.member.${i}.Value`) ?? '' });
    }
    return out;
  }
}
