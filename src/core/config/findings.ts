/**
 * What checking irsa.yaml finds: problems (the file cannot be used) and warnings, each at the field it concerns,
 * told later as `irsa.yaml:LINE: "field" …` once the lines are known.
 */
import { isIrsaError } from '../errors.js';
import { fieldName } from '../json/schema-words.js';
import type { FieldPath } from './yaml-source.js';

export interface Finding {
  path: FieldPath;
  /** Begins with the field's name: `"clusters[0].issuer" must use https`. */
  message: string;
}

export class Findings {
  readonly problems: Finding[] = [];
  readonly warnings: Finding[] = [];

  /** `words` follow the field's name: `problem(path, 'is empty')`. */
  problem(path: FieldPath, words: string): void {
    this.problems.push({ path, message: `${field(path)} ${words}` });
  }

  warn(path: FieldPath, words: string): void {
    this.warnings.push({ path, message: `${field(path)} ${words}` });
  }

  /**
   * Runs a check that throws an IrsaError naming the field itself (`checkIssuerUrl(v, field(path))`) and keeps
   * its message as a problem; the value, or undefined when it failed.
   */
  attempt<T>(path: FieldPath, check: () => T): T | undefined {
    try {
      return check();
    } catch (e) {
      if (!isIrsaError(e)) throw e;
      this.problems.push({ path, message: e.message });
      return undefined;
    }
  }
}

/** `"clusters[0].serviceAccounts[1].path"`. */
export function field(path: FieldPath): string {
  return fieldName(path as (string | number)[]);
}
