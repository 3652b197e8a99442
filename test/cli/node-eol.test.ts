// The Node 20 end-of-life notice (src/cli/main.ts; README, Requirements): once on stderr on Node 20, silenced by
// IRSA_NODE_EOL_NOTICE=off or NODE_NO_WARNINGS=1, never on Node 22+; the AWS SDK's own notice never, on any Node.
// .ci/run runs this file on 20, 22, 24 and 26, so each branch below is exercised on the Node it is about.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VERSION } from '../../src/cli/version.js';
import { CLI, EOL_NOTICE, runProcess, tempDir } from '../support/cli.js';

const ON_NODE_20 = Number(process.versions.node.split('.')[0]) === 20;

/** The environment of a user who set nothing about notices (the test runner's own settings removed). */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['IRSA_NODE_EOL_NOTICE', 'NODE_NO_WARNINGS', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

const irsa = (args: string[], env: NodeJS.ProcessEnv) => runProcess(process.execPath, [CLI, ...args], { env });

test(`Node ${process.versions.node}: the end-of-life notice is one stderr line on Node 20 only`, async () => {
  const r = await irsa(['--version'], userEnv());
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`, 'stdout stays the output alone');
  if (ON_NODE_20) {
    assert.match(r.stderr, EOL_NOTICE);
    assert.equal(r.stderr.replace(EOL_NOTICE, ''), '', 'one line, nothing else');
    assert.match(r.stderr, new RegExp(`Node\\.js ${process.version.replaceAll('.', '\\.')} `), 'names the version');
    assert.match(r.stderr, /IRSA_NODE_EOL_NOTICE=off/, 'says how to hide it');
  } else {
    assert.equal(r.stderr, '');
  }
});

test('IRSA_NODE_EOL_NOTICE=off and NODE_NO_WARNINGS=1 silence it', async () => {
  for (const extra of [{ IRSA_NODE_EOL_NOTICE: 'off' }, { IRSA_NODE_EOL_NOTICE: '0' }, { NODE_NO_WARNINGS: '1' }]) {
    const r = await irsa(['--version'], userEnv(extra));
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '', JSON.stringify(extra));
  }
});

test('a command that loads the AWS SDK: the notice at most once, the SDK never adds its own', async (t) => {
  const home = tempDir(t);
  // Static credentials and an STS endpoint where nothing listens: the SDK client is built, the call fails at once.
  const env = userEnv({
    HOME: home,
    AWS_CONFIG_FILE: `${home}/none`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/none`,
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  });
  const r = await irsa(['whoami'], env);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /^irsa whoami: /m, 'the command ran and failed in its own words');
  assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
  assert.equal(r.stderr.match(new RegExp(EOL_NOTICE.source, 'gm'))?.length ?? 0, ON_NODE_20 ? 1 : 0, r.stderr);
});
