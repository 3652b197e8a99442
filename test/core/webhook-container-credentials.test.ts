import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readContainerCredentialsConfig } from '../../src/core/webhook/container-credentials.js';

test('container-credentials config: identities read, other members ignored', () => {
  const r = readContainerCredentialsConfig(
    '{"identities":[{"namespace":"a","serviceAccount":"s","x":1}],"other":true}',
    'cc.json',
  );
  assert.deepEqual(r, { ok: true, value: [{ namespace: 'a', serviceAccount: 's' }] });
});

test('container-credentials config: each bad shape is one line naming the file and the field', () => {
  const cases: [string, string][] = [
    ['not json', 'cc.json: not JSON'],
    ['[]', 'cc.json: not a JSON object (a list)'],
    ['{}', 'cc.json: "identities" is missing'],
    ['{"identities":{}}', 'cc.json: "identities" is an object, not a list'],
    [
      '{"identities":[{"namespace":1,"serviceAccount":"s"}]}',
      'cc.json: "identities[0].namespace" is a number, not a string',
    ],
    ['{"identities":[{"namespace":"a"}]}', 'cc.json: "identities[0].serviceAccount" is missing'],
    ['{"identities":[{"namespace":"","serviceAccount":"s"}]}', 'cc.json: "identities[0].namespace" is empty'],
  ];
  for (const [text, message] of cases) {
    assert.deepEqual(readContainerCredentialsConfig(text, 'cc.json'), { ok: false, message }, text);
  }
});
