// `--context` goes with every `--kubeconfig` (issue 8.5): each command that takes a kubeconfig selects the context
// it is given, so a context the file does not have is refused by name, before anything is contacted.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:9"}
users:
- name: u
  user: {token: t}
contexts:
- name: only
  context: {cluster: c, user: u}
current-context: only
`;

test('every command that takes --kubeconfig takes --context too', async (t) => {
  const dir = tempDir(t);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, KUBECONFIG);
  const commands = [
    ['doctor', '--pod', 'default/app'],
    ['issuer', 'fetch', '--out-dir', join(dir, 'out')],
    ['webhook', 'check'],
    ['webhook', 'serve'],
  ];
  await Promise.all(
    commands.map(async (command) => {
      const r = await runCli([...command, '--kubeconfig', kubeconfig, '--context', 'elsewhere'], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, `${command.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /context "elsewhere" not found .*\(contexts: only\)/, command.join(' '));
    }),
  );
});
