// A kubeconfig that is not one is reported in one line naming the file and what is wrong, in words (issue 9 item 4):
// never JavaScript's "Cannot read properties of undefined", never "has no current-context" for a file that is not
// a kubeconfig at all. The reproductions from the issue come first.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadKubeConfig } from '../../src/io/kube/client.js';
import { runCli, tempDir } from '../support/cli.js';

const invalid = (file: string, words: string) => (e: { code?: string; message: string }) => {
  assert.equal(e.code, 'ERR_KUBECONFIG_INVALID', e.message);
  assert.equal(e.message, `${file}: not a valid kubeconfig (${words})`);
  return true;
};

test('issue reproductions through the CLI: --kubeconfig /dev/null, and a file that is not YAML at all', async (t) => {
  const dir = tempDir(t);
  const notYaml = join(dir, 'notes.txt');
  writeFileSync(notYaml, 'these are my notes, not a kubeconfig\n');
  for (const [prefix, args] of [
    ['irsa issuer fetch', ['issuer', 'fetch', '--out-dir', join(dir, 'out')]],
    ['irsa webhook check', ['webhook', 'check']],
    ['irsa doctor', ['doctor', '--pod', 'default/app']],
  ] as const) {
    const empty = await runCli([...args, '--kubeconfig', '/dev/null'], { env: { HOME: dir, KUBECONFIG: '' } });
    assert.equal(empty.code, 1);
    assert.equal(empty.stderr.split('\n')[0], `${prefix}: /dev/null: not a valid kubeconfig (the file is empty)`);
    assert.doesNotMatch(empty.stderr, /Cannot read properties|undefined/);
    const text = await runCli([...args, '--kubeconfig', notYaml], { env: { HOME: dir, KUBECONFIG: '' } });
    assert.equal(text.code, 1);
    assert.match(
      text.stderr.split('\n')[0],
      /notes\.txt: not a valid kubeconfig \(the file holds a string, not a mapping with clusters, contexts and users\)$/,
    );
    assert.doesNotMatch(text.stderr, /current-context/);
  }
});

test('every way a file is not a kubeconfig, named in words', async (t) => {
  const dir = tempDir(t);
  const cases: [string, string | Buffer, string][] = [
    ['empty', '', 'the file is empty'],
    ['comments', '# nothing here\n', 'the file is empty'],
    ['list', '- a\n- b\n', 'the file holds a list, not a mapping with clusters, contexts and users'],
    ['number', '42\n', 'the file holds a number, not a mapping with clusters, contexts and users'],
    ['binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), 'binary data, not text'],
    [
      'broken',
      'clusters: [\n',
      'not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
    ],
    ['clusters-scalar', 'clusters: 5\n', '"clusters" is a number, not a list'],
    ['cluster-null', 'clusters:\n- null\n', '"clusters[0]" is null, not an object'],
    ['context-number', 'current-context: 5\n', '"current-context" is a number, not a string'],
    // client-node's own field checks, which are already words, are kept.
    ['no-server', 'clusters:\n- name: a\n  cluster: {}\n', 'clusters[0].cluster.server is missing'],
  ];
  for (const [name, content, words] of cases) {
    const file = join(dir, name);
    writeFileSync(file, content);
    await assert.rejects(loadKubeConfig({ kubeconfig: file }, { HOME: dir }), invalid(file, words), name);
  }
  // A mapping with none of the lists is an empty kubeconfig, as kubectl reads it: then the context is what is missing.
  const bare = join(dir, 'bare');
  writeFileSync(bare, 'apiVersion: v1\nkind: Config\n');
  await assert.rejects(loadKubeConfig({ kubeconfig: bare }, { HOME: dir }), {
    code: 'ERR_KUBE_CONTEXT',
    message: `${bare} has no current-context; pass --context`,
  });
});

test('KUBECONFIG lists and ~/.kube/config are checked the same way, each file named', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad');
  writeFileSync(bad, '- not a mapping\n');
  await assert.rejects(
    loadKubeConfig({}, { HOME: dir, KUBECONFIG: bad }),
    invalid(bad, 'the file holds a list, not a mapping with clusters, contexts and users'),
  );
  const server = join(dir, 'server');
  writeFileSync(
    server,
    'clusters:\n- name: c\n  cluster: {server: "not a url"}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n',
  );
  await assert.rejects(loadKubeConfig({ kubeconfig: server }, { HOME: dir }), {
    code: 'ERR_KUBECONFIG_INVALID',
    message: `${server}: the server of context "x" is not a URL: not a url`,
  });
});
