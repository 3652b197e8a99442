import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRegion, isRegionName } from '../../src/core/aws/region.js';
import { IrsaError } from '../../src/core/errors.js';

test('every partition’s region names pass', () => {
  for (const r of [
    'us-east-1',
    'eu-west-1',
    'ap-southeast-2',
    'il-central-1',
    'us-gov-west-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eusc-de-east-1',
  ]) {
    assert.equal(isRegionName(r), true, r);
  }
});

test('names that cannot be regions are refused, naming the flag (issue 9.3)', () => {
  for (const bad of [
    'EU West',
    'bad region!',
    'eu-west',
    'EU-WEST-1',
    'eu_west_1',
    '',
    'us-east-1 ',
    'x-1',
    'a'.repeat(100),
  ]) {
    assert.throws(
      () => checkRegion(bad, '--aws-default-region'),
      (e: unknown) =>
        e instanceof IrsaError && e.code === 'ERR_REGION' && e.message.startsWith('--aws-default-region must be'),
      JSON.stringify(bad),
    );
  }
});
