// Placeholder written by h6-aws-demo so the build resolves `irsa doctor --pod`; h3-kube owns this file and replaces
// it with the cluster-side checks.
import { IrsaError } from '../../core/errors.js';
import type { Context, Report } from '../context.js';

export async function doctorPod(_opts: unknown, _ctx: Context): Promise<Report> {
  throw new IrsaError('ERR_NOT_IMPLEMENTED', 'irsa doctor --pod is not implemented yet');
}
