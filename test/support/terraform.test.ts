// The helper future Terraform tests use: found on PATH or not, and the one line a file prints when it is not.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './cli.js';
import { findPluginMirror, findTerraform, terraformMissingLine } from './terraform.js';

test('findTerraform: an executable terraform on the path, else undefined', (t) => {
  const empty = tempDir(t);
  const withIt = tempDir(t);
  assert.equal(findTerraform(''), undefined);
  assert.equal(findTerraform(empty), undefined);
  writeFileSync(join(withIt, 'terraform'), '#!/bin/sh\n');
  assert.equal(findTerraform(`${empty}:${withIt}`), undefined, 'not executable');
  chmodSync(join(withIt, 'terraform'), 0o755);
  assert.equal(findTerraform(`${empty}:${withIt}`), join(withIt, 'terraform'));
});

test('the one line a file of skipped Terraform tests prints', () => {
  assert.equal(terraformMissingLine(3), 'terraform not found: 3 Terraform tests did not run');
  assert.equal(terraformMissingLine(1), 'terraform not found: 1 Terraform test did not run');
});

test('findPluginMirror: the first folder holding registry.terraform.io/hashicorp/aws', (t) => {
  const empty = tempDir(t);
  const mirror = tempDir(t);
  assert.equal(findPluginMirror([]), undefined);
  assert.equal(findPluginMirror([empty, join(empty, 'absent')]), undefined);
  mkdirSync(join(mirror, 'registry.terraform.io/hashicorp/aws/5.100.0'), { recursive: true });
  assert.equal(findPluginMirror([empty, mirror]), mirror);
});

test('the line names what is missing', () => {
  assert.equal(
    terraformMissingLine(2, 'the AWS provider plugin mirror not found'),
    'the AWS provider plugin mirror not found: 2 Terraform tests did not run',
  );
});
