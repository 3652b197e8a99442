import { E, IrsaError } from '../errors.js';

/**
 * The shape of every AWS region name: a partition-ish prefix, words, a number (`us-east-1`, `us-gov-west-1`,
 * `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`, `ap-southeast-2`). The SDKs put the region into a host name
 * (`sts.<region>.amazonaws.com`), so anything else (`EU West`, `bad region!`) can only fail later, further away.
 * The one check for every flag, annotation and setting that names a region.
 */
export const REGION_PATTERN = /^[a-z]{2,5}(-[a-z]+){1,3}-\d{1,2}$/;

export function isRegionName(value: string): boolean {
  return REGION_PATTERN.test(value);
}

/** Throws ERR_REGION naming the field when `value` is not a region name. */
export function checkRegion(value: string, field = '--region'): string {
  if (!isRegionName(value)) {
    const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
    throw new IrsaError(E.ERR_REGION, `${field} must be an AWS region name such as eu-west-1, got: ${shown}`);
  }
  return value;
}
