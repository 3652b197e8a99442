// Placeholder until this command is built (see the open issue); replaced by its implementation.
import { IrsaError } from '../../core/errors.js';
export async function issuerFetch(): Promise<never> {
  throw new IrsaError('ERR_NOT_IMPLEMENTED', 'not implemented yet');
}
