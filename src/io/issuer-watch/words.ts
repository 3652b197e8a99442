/** A failure as one line of words for a check's message: an IrsaError's message, else the system's words. */
import { IrsaError } from '../../core/errors.js';
import { systemErrorWords } from '../system-errors.js';

export function errorWords(e: unknown): string {
  return e instanceof IrsaError ? e.message : systemErrorWords(e);
}
