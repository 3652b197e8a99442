// The whole chain built by irsa.yaml and used as a pod would, on the sandbox (STS + IAM that validate as AWS does,
// and its HTTPS issuer host): the key set read from the cluster (`fromCluster`, the local Kubernetes API server's
// /openid/v1/jwks), the documents published into the issuer host's directory and read back over HTTPS, thumbprints
// `auto` from the host's TLS (--trust-ca for its private CA), the ServiceAccount annotated; then a token minted by
// `irsa token mint` assumes the role through the AWS CLI's own web-identity chain, `irsa doctor` passes, a second
// plan is empty. Client IDs are reconciled here (moto cannot), and destroy takes it all away.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { runProcess, tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';
import { aws, awsEnv, irsa, irsaJson, type Loose, lastLine, workspace } from './provision-support.js';

const ACCOUNT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app@default`;

function configText(issuer: string, directory: string, audiences: string[]): string {
  return `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: lab
    issuer: ${issuer}
    audiences: [${audiences.join(', ')}]
    fromCluster: {kubeconfig: kubeconfig}
    thumbprints: auto
    publish: {directory: ${directory}}
    serviceAccounts:
      - namespace: default
        name: app
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
        annotate: true
`;
}

test('irsa.yaml applied to the sandbox: a minted token assumes the role through the AWS CLI, doctor passes, the next plan is empty; client IDs reconciled; destroyed', async (t) => {
  const ws = workspace(t, 'rsa');
  const sb = await startSandbox({ stateDir: join(tempDir(t), 'sandbox'), accountId: ACCOUNT, region: 'us-east-1' });
  t.after(() => sb.close());
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  kube.writeKubeconfig(ws.dir, { fileName: 'kubeconfig' });
  kube.setDiscovery(undefined, serializeJwks(buildJwks([ws.pair.key])));
  kube.put('serviceaccounts', { metadata: { name: 'app', namespace: 'default' } });
  const issuer = `${sb.issuerUrlBase}/lab`;
  const directory = join(sb.issuerDir, 'lab');
  ws.write(configText(issuer, directory, ['sts.amazonaws.com']));
  const admin = awsEnv(t, { AWS_ENDPOINT_URL_IAM: sb.endpoint, AWS_ENDPOINT_URL_STS: sb.endpoint });
  const trust = ['--trust-ca', sb.caPath];

  const planned = await irsaJson(['plan', '-f', ws.file, ...trust], admin);
  assert.equal(planned.code, 2, JSON.stringify(planned.json));
  assert.deepEqual(planned.json.warnings, []);
  const provider = planned.json.data.changes.find((c: Loose) => c.plane === 'provider');
  assert.match(provider.details.join('\n'), /\+ thumbprint [0-9A-F]{40}/);

  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve', ...trust], admin);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.match(
    applied.stdout,
    /Read back:\n {2}ok {2}https:\/\/127\.0\.0\.1:\d+\/lab\/\.well-known\/openid-configuration \(https\)\n {2}ok {2}https:\/\/127\.0\.0\.1:\d+\/lab\/openid\/v1\/jwks \(https\)/,
  );
  // Two files, the provider, the role; the ServiceAccount's annotation is a change.
  assert.equal(lastLine(applied.stdout), 'Apply complete: 4 added, 1 changed, 0 destroyed.');
  assert.equal(
    kube.get('serviceaccounts', 'default', 'app')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
    ROLE_ARN,
  );

  // A pod's view: only the web-identity variables, the AWS CLI's own credential chain.
  const token = join(ws.dir, 'token');
  const minted = await irsa(
    [
      'token',
      'mint',
      '--signing-key',
      join(ws.dir, 'keys/sa.key'),
      '--issuer',
      issuer,
      '--namespace',
      'default',
      '--service-account',
      'app',
      '--out',
      token,
    ],
    admin,
  );
  assert.equal(minted.code, 0, minted.stderr);
  const pod = awsEnv(t, {
    AWS_ROLE_ARN: ROLE_ARN,
    AWS_WEB_IDENTITY_TOKEN_FILE: token,
    AWS_ENDPOINT_URL_STS: sb.endpoint,
  });
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete pod[k];
  const identity = await aws(['sts', 'get-caller-identity'], pod);
  assert.match(identity.Arn, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/app@default/`));

  const doctor = await irsa(['doctor', '--token-file', token, '--role-arn', ROLE_ARN, ...trust], admin);
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
  const again = await irsa(['plan', '-f', ws.file, ...trust], admin);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(lastLine(again.stdout), 'No changes: AWS matches irsa.yaml.');

  await clientIdsReconciled(ws, { issuer, directory, admin, trust });
  await destroyed(ws, { directory, admin, trust, kube });
});

/** Another audience in the file: the provider's client IDs (one added, one removed) and the trust's :aud follow. */
async function clientIdsReconciled(
  ws: ReturnType<typeof workspace>,
  o: { issuer: string; directory: string; admin: NodeJS.ProcessEnv; trust: string[] },
) {
  ws.write(configText(o.issuer, o.directory, ['irsa-lab']));
  const plan = await irsa(['plan', '-f', ws.file, ...o.trust], o.admin);
  assert.equal(plan.code, 2, plan.stdout + plan.stderr);
  assert.match(plan.stdout, /\+ client ID irsa-lab/);
  assert.match(plan.stdout, /- client ID sts\.amazonaws\.com/);
  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve', ...o.trust], o.admin);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${o.issuer.slice('https://'.length)}`;
  const provider = await aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', arn], o.admin);
  assert.deepEqual(provider.ClientIDList, ['irsa-lab']);
  const role = await aws(['iam', 'get-role', '--role-name', 'app@default'], o.admin);
  const condition = role.Role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals;
  assert.equal(condition[`${o.issuer.slice('https://'.length)}:aud`], 'irsa-lab');
  assert.equal((await irsa(['plan', '-f', ws.file, ...o.trust], o.admin)).code, 0);
}

async function destroyed(
  ws: ReturnType<typeof workspace>,
  o: {
    directory: string;
    admin: NodeJS.ProcessEnv;
    trust: string[];
    kube: Awaited<ReturnType<typeof startKubeApiServer>>;
  },
) {
  const gone = await irsa(['destroy', '-f', ws.file, '--auto-approve', ...o.trust], o.admin);
  assert.equal(gone.code, 0, gone.stdout + gone.stderr);
  assert.equal(lastLine(gone.stdout), 'Destroy complete: 4 destroyed, 1 changed.');
  const roles = await aws(['iam', 'list-roles'], o.admin);
  assert.deepEqual(roles.Roles, []);
  const providers = await aws(['iam', 'list-open-id-connect-providers'], o.admin);
  assert.deepEqual(providers.OpenIDConnectProviderList, []);
  assert.ok(!existsSync(join(o.directory, '.well-known/openid-configuration')));
  assert.ok(!existsSync(join(o.directory, 'openid/v1/jwks')));
  assert.deepEqual(o.kube.get('serviceaccounts', 'default', 'app')?.metadata?.annotations ?? {}, {});
  const r = await runProcess('ls', ['-A', o.directory], {});
  assert.equal(r.stdout.trim(), '', 'the folders the documents leave empty are removed too');
}
