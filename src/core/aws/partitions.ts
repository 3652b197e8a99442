/**
 * The AWS partitions an ARN can name, on their own so that `irsa --help` (which lists them for `--partition`) loads
 * nothing else.
 */
import type { Partition } from './arn.js';

export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-eusc'];
