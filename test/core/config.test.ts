import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConfig, loadConfig } from '../../src/core/config/load.js';
import { IrsaError } from '../../src/core/errors.js';

// Line numbers below are this text's: every case edits one line or adds lines after the last.
const BASE = `apiVersion: irsa-anywhere/v1
kind: Config
region: eu-west-1
clusters:
  - name: prod
    issuer: https://oidc.example.com/prod
    keys: [keys/sa.pub]
    publish:
      s3: {bucket: oidc-bucket, prefix: prod}
    serviceAccounts:
      - namespace: default
        name: app
`;

const SOURCE = { file: 'conf/irsa.yaml', dir: '/srv/conf' };

/** BASE with line `n` (1-based) replaced by `text` (which may hold several lines). */
function withLine(n: number, text: string): string {
  const lines = BASE.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
}

/** BASE with lines added to the service account of line 11 (they start at line 13). */
function withSa(...lines: string[]): string {
  return BASE + lines.map((l) => `        ${l}\n`).join('');
}

function problems(text: string): string[] {
  return checkConfig(text, SOURCE).problems;
}

function assertProblem(text: string, expected: RegExp): void {
  const found = problems(text);
  assert.ok(
    found.some((p) => expected.test(p)),
    `expected a problem matching ${expected}, got:\n${found.join('\n') || '(none)'}`,
  );
}

test('the base config is valid and gets every default', () => {
  const { config, warnings } = loadConfig(BASE, SOURCE);
  assert.deepEqual(warnings, []);
  const c = config.clusters[0];
  assert.deepEqual(c.audiences, ['sts.amazonaws.com']);
  assert.equal(c.jwksUri, 'https://oidc.example.com/prod/openid/v1/jwks');
  assert.equal(c.thumbprints, 'auto');
  assert.deepEqual(c.keys, { from: 'files', paths: ['/srv/conf/keys/sa.pub'] });
  assert.deepEqual(c.publish, {
    kind: 's3',
    bucket: 'oidc-bucket',
    prefix: 'prod',
    create: false,
    cacheControl: 'public, max-age=3600',
    discoveryKey: 'prod/.well-known/openid-configuration',
    jwksKey: 'prod/openid/v1/jwks',
  });
  assert.equal(c.policySid, 'IrsaAnywhereProd');
  assert.deepEqual(c.serviceAccounts, [
    { cluster: 'prod', namespace: 'default', name: 'app', role: 'app@default', annotate: false },
  ]);
  assert.deepEqual(config.roles, [
    {
      name: 'app@default',
      path: '/',
      maxSessionDuration: 3600,
      policies: [],
      inlinePolicies: {},
      tags: {},
      trusts: [{ cluster: 'prod', namespace: 'default', serviceAccount: 'app' }],
    },
  ]);
  assert.equal(config.partition, 'aws');
  assert.deepEqual(config.quotas, { roleTrustPolicyLength: 2048, managedPoliciesPerRole: 10 });
});

test('paths are relative to the file: keys, kubeconfig, the publishing directory; absolute ones stay', () => {
  const text = withLine(7, '    fromCluster: {kubeconfig: ../kube/config, context: prod}').replace(
    '      s3: {bucket: oidc-bucket, prefix: prod}',
    '      directory: /var/www/oidc',
  );
  const c = loadConfig(text, SOURCE).config.clusters[0];
  assert.deepEqual(c.keys, { from: 'cluster', kubeconfig: '/srv/kube/config', context: 'prod' });
  // `~/` is the home directory, as kubectl reads it: kept for the shell to expand.
  const home = loadConfig(withLine(7, '    fromCluster: {kubeconfig: ~/.kube/config}'), SOURCE).config.clusters[0];
  assert.deepEqual(home.keys, { from: 'cluster', kubeconfig: '~/.kube/config' });
  assert.deepEqual(c.publish, {
    kind: 'directory',
    directory: '/var/www/oidc',
    discoveryPath: '/var/www/oidc/.well-known/openid-configuration',
    jwksPath: '/var/www/oidc/openid/v1/jwks',
  });
  const relative = loadConfig(BASE.replace('s3: {bucket: oidc-bucket, prefix: prod}', 'directory: public'), SOURCE);
  assert.equal(
    relative.config.clusters[0].publish.kind === 'directory' && relative.config.clusters[0].publish.jwksPath,
    '/srv/conf/public/openid/v1/jwks',
  );
});

test('durations in the one syntax, role settings kept', () => {
  const text = withSa(
    'maxSessionDuration: 1h30m',
    'path: /irsa/',
    'description: the app',
    'permissionsBoundary: arn:aws:iam::111122223333:policy/boundary',
    'policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]',
    'inlinePolicies:',
    '  fromJson: \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}\'',
    'tags: {team: platform}',
    'annotate: true',
  );
  const { config } = loadConfig(text, SOURCE);
  const role = config.roles[0];
  assert.equal(role.maxSessionDuration, 5400);
  assert.equal(role.path, '/irsa/');
  assert.equal(role.description, 'the app');
  assert.deepEqual(role.tags, { team: 'platform' });
  assert.deepEqual(Object.keys(role.inlinePolicies), ['fromJson']);
  assert.equal(config.clusters[0].serviceAccounts[0].annotate, true);
  assert.equal(loadConfig(withSa('maxSessionDuration: 7200'), SOURCE).config.roles[0].maxSessionDuration, 7200);
});

test('not YAML, or not a mapping: the line of the trouble', () => {
  assert.throws(
    () => checkConfig(withLine(6, '    issuer: [unclosed'), SOURCE),
    (e: IrsaError) => {
      assert.equal(e.code, 'ERR_CONFIG_INVALID');
      assert.match(e.message, /^conf\/irsa\.yaml:\d+: not valid YAML: /);
      return true;
    },
  );
  assert.throws(
    () => checkConfig(`${BASE}region: us-east-1\n`, SOURCE),
    /conf\/irsa\.yaml:13: not valid YAML: Map keys must be unique/,
  );
  assert.deepEqual(problems('- a\n- b\n'), [
    'conf/irsa.yaml:1: the document must be a mapping (apiVersion, kind, region, clusters)',
  ]);
  assert.deepEqual(problems(''), [
    'conf/irsa.yaml:1: the document must be a mapping (apiVersion, kind, region, clusters)',
  ]);
  assert.throws(() => checkConfig('a: *nowhere\n', SOURCE), /not valid YAML/);
});

test('schema mistakes name the file, the line and the field', () => {
  const cases: [string, RegExp][] = [
    [
      withLine(1, 'apiVersion: irsa-anywhere/v2'),
      /^conf\/irsa\.yaml:1: "apiVersion" must be "irsa-anywhere\/v1", got "irsa-anywhere\/v2"$/,
    ],
    [withLine(2, ''), /^conf\/irsa\.yaml:1: "kind" is missing$/],
    [withLine(3, 'region: 3'), /^conf\/irsa\.yaml:3: "region" is a number, not a string$/],
    [
      `${BASE.split('clusters:')[0]}clusters: []\n`,
      /^conf\/irsa\.yaml:4: "clusters" is too short \(at least 1 items\)$/,
    ],
    [withLine(5, '  - name: ""'), /^conf\/irsa\.yaml:5: "clusters\[0\]\.name" is empty$/],
    [
      withLine(6, '    isuer: https://oidc.example.com/prod'),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.isuer" is not a known field$/,
    ],
    [withLine(7, '    keys: keys/sa.pub'), /^conf\/irsa\.yaml:7: "clusters\[0\]\.keys" is a string, not a list$/],
    [
      withLine(8, '    publish: ./public').replace('      s3: {bucket: oidc-bucket, prefix: prod}\n', ''),
      /^conf\/irsa\.yaml:8: "clusters\[0\]\.publish" is a string, not an object$/,
    ],
    [
      withLine(9, '      s3: {bucket: oidc-bucket, prefix: prod, craete: true}'),
      /^conf\/irsa\.yaml:9: "clusters\[0\]\.publish\.s3\.craete" is not a known field$/,
    ],
    [
      withLine(12, '        name: 12'),
      /^conf\/irsa\.yaml:12: "clusters\[0\]\.serviceAccounts\[0\]\.name" is a number, not a string$/,
    ],
    [
      withSa('annotate: yes please'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.annotate" is a string, not a boolean$/,
    ],
    [
      withSa('tags: {cost: 12}'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.tags\.cost" is a number, not a string$/,
    ],
    [
      withLine(7, '    keys: [keys/sa.pub]\n    thumbprints: [1234567890123456789012345678901234567890]'),
      /^conf\/irsa\.yaml:8: "clusters\[0\]\.thumbprints": must be auto, \[\] \(not managed\) or a list of 40-hex-digit SHA-1 thumbprints$/,
    ],
    [
      withSa('maxSessionDuration: true'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.maxSessionDuration": must be a duration/,
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
});

test('issuer, region, keys and thumbprints are checked as kube-apiserver and IAM take them', () => {
  const cases: [string, RegExp][] = [
    [
      withLine(3, 'region: Europe'),
      /^conf\/irsa\.yaml:3: "region" must be an AWS region name such as eu-west-1, got: Europe$/,
    ],
    [
      withLine(6, '    issuer: http://oidc.example.com/prod'),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" URL must use https scheme/,
    ],
    [
      withLine(6, '    issuer: https://oidc.example.com/prod?x=1'),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" URL may not include a query/,
    ],
    [
      withLine(6, `    issuer: https://oidc.example.com/${'p'.repeat(250)}`),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" is longer than 255 characters$/,
    ],
    [
      withLine(7, '    audiences: [sts.amazonaws.com, sts.amazonaws.com]\n    keys: [k]'),
      /^conf\/irsa\.yaml:7: "clusters\[0\]\.audiences" lists an audience twice$/,
    ],
    [
      withLine(7, '    keys: [a]\n    fromCluster: {context: prod}'),
      /^conf\/irsa\.yaml:5: "clusters\[0\]" must give exactly one of keys \(key files\) or fromCluster/,
    ],
    [withLine(7, ''), /^conf\/irsa\.yaml:5: "clusters\[0\]" must give exactly one of keys/],
    [
      withLine(7, '    keys: [k]\n    jwksUri: https://keys.example.com/jwks'),
      /^conf\/irsa\.yaml:8: "clusters\[0\]\.jwksUri" is https:\/\/keys\.example\.com\/jwks, not below the issuer/,
    ],
    [
      withLine(7, '    keys: [k]\n    thumbprints: [abc]'),
      /^conf\/irsa\.yaml:8: "clusters\[0\]\.thumbprints" holds "ABC": a thumbprint is 40 hexadecimal digits \(SHA-1\)$/,
    ],
    [
      withLine(7, `    keys: [k]\n    thumbprints: [${[...'ABCDEF'].map((c) => c.repeat(40)).join(', ')}]`),
      /"clusters\[0\]\.thumbprints" holds 6 thumbprints, IAM allows at most 5$/,
    ],
    [withLine(5, '  - name: Prod_1'), /^conf\/irsa\.yaml:5: "clusters\[0\]\.name" must be a DNS label/],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
  const colons = loadConfig(
    withLine(7, '    keys: [k]\n    thumbprints: ["99:0f:41:93:97:2f:2b:ec:f1:2d:de:da:52:37:f9:c9:52:f2:0d:9e"]'),
    SOURCE,
  );
  assert.deepEqual(colons.config.clusters[0].thumbprints, ['990F4193972F2BECF12DDEDA5237F9C952F20D9E']);
});

test('publishing: one target, S3 bucket names, and an S3 issuer URL must be this bucket and prefix', () => {
  const s3 = (issuer: string, target: string) =>
    withLine(6, `    issuer: ${issuer}`).replace('s3: {bucket: oidc-bucket, prefix: prod}', target);
  const cases: [string, RegExp][] = [
    [
      withLine(9, '      s3: {bucket: b1}\n      directory: d'),
      /^conf\/irsa\.yaml:8: "clusters\[0\]\.publish" must give exactly one of s3 \(a bucket\) or directory$/,
    ],
    [
      withLine(9, '      s3: {bucket: Oidc_Bucket}'),
      /^conf\/irsa\.yaml:9: "clusters\[0\]\.publish\.s3\.bucket" may hold only lower-case letters/,
    ],
    [withLine(9, '      s3: {bucket: xn--bucket}'), /"clusters\[0\]\.publish\.s3\.bucket" may not begin with xn--/],
    [
      withLine(9, '      s3: {bucket: oidc-bucket, maxAge: 2h}'),
      /^conf\/irsa\.yaml:9: "clusters\[0\]\.publish\.s3\.maxAge" is 2h; give 1m to 1h/,
    ],
    [
      s3('https://oidc-bucket.s3.eu-west-1.amazonaws.com/prod', 's3: {bucket: oidc-bucket, prefix: staging}'),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" is an S3 URL naming the bucket oidc-bucket and prefix "prod", but publish\.s3 is bucket oidc-bucket and prefix "staging": they must be the same$/,
    ],
    [
      s3('https://s3.eu-west-1.amazonaws.com/other/prod', 's3: {bucket: oidc-bucket, prefix: prod}'),
      /"clusters\[0\]\.issuer" is an S3 URL naming the bucket other/,
    ],
    [
      s3('https://oidc-bucket.s3.us-east-2.amazonaws.com/prod', 's3: {bucket: oidc-bucket, prefix: prod}'),
      /"clusters\[0\]\.issuer" names region us-east-2, but region is eu-west-1/,
    ],
    [
      s3('https://my.bucket.s3.eu-west-1.amazonaws.com/prod', 's3: {bucket: my.bucket, prefix: prod}'),
      /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" cannot be served: the bucket name my\.bucket has dots, and S3's https certificate \(\*\.s3\.REGION\.amazonaws\.com\) covers one label only; .* https:\/\/s3\.eu-west-1\.amazonaws\.com\/my\.bucket\/prod$/,
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
  for (const [issuer, target] of [
    ['https://s3.eu-west-1.amazonaws.com/my.bucket/prod', 's3: {bucket: my.bucket, prefix: /prod/}'],
    ['https://oidc-bucket.s3.eu-west-1.amazonaws.com/prod', 's3: {bucket: oidc-bucket, prefix: prod}'],
    ['https://oidc-bucket.s3.amazonaws.com', 's3: {bucket: oidc-bucket}'],
  ]) {
    assert.deepEqual(problems(s3(issuer, target)), [], issuer);
  }
});

test('service accounts: Kubernetes names, wildcards only alone, IAM rules for every role setting', () => {
  const sa = (n: number, text: string) => withLine(n, text);
  const cases: [string, RegExp][] = [
    [
      sa(11, '      - namespace: Default'),
      /^conf\/irsa\.yaml:11: "clusters\[0\]\.serviceAccounts\[0\]\.namespace" must be a DNS-1123 label/,
    ],
    [
      sa(12, '        name: app-*'),
      /^conf\/irsa\.yaml:12: "clusters\[0\]\.serviceAccounts\[0\]\.name" holds "\*" within a name: only "\*" alone/,
    ],
    [
      sa(12, '        name: "*"'),
      /^conf\/irsa\.yaml:11: "clusters\[0\]\.serviceAccounts\[0\]\.role" is needed: a "\*" namespace or name makes no role name/,
    ],
    [
      sa(12, `        name: ${'a'.repeat(60)}`),
      /^conf\/irsa\.yaml:12: "clusters\[0\]\.serviceAccounts\[0\]\.name" is longer than 64 characters$/,
    ],
    [
      withSa('role: "my role"'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.role" may hold only letters, digits and \+ = , \. @ _ -/,
    ],
    [
      withSa('path: //'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.path" must be "\/" or begin and end with "\/"/,
    ],
    [withSa('path: irsa/'), /"clusters\[0\]\.serviceAccounts\[0\]\.path" must be "\/" or begin and end/],
    [
      withSa('maxSessionDuration: 2 hours'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.maxSessionDuration" must be a duration such as 24h/,
    ],
    [
      withSa('maxSessionDuration: 30m'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.maxSessionDuration" is 1800 seconds; IAM allows 3600 to 43200/,
    ],
    [withSa('maxSessionDuration: 1500ms'), /must be a whole number of seconds/],
    [
      withSa('description: "tab\\u0001"'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.description" may hold only Latin-1 printable characters/,
    ],
    [
      withSa('permissionsBoundary: boundary'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.permissionsBoundary" is not a managed policy ARN/,
    ],
    [
      withSa('policies:', '  - arn:aws:iam::aws:policy/ReadOnlyAccess', '  - ReadOnlyAccess'),
      /^conf\/irsa\.yaml:15: "clusters\[0\]\.serviceAccounts\[0\]\.policies\[1\]" is not a managed policy ARN/,
    ],
    [
      withSa('policies: [arn:aws:iam::aws:policy/A, arn:aws:iam::aws:policy/A]'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.policies" lists a policy twice$/,
    ],
    [
      withSa(`policies: [${Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(', ')}]`),
      /"clusters\[0\]\.serviceAccounts\[0\]\.policies" attaches 11 managed policies, over IAM's quota of 10 per role$/,
    ],
    [
      withSa('inlinePolicies:', '  "bad name": {Version: "2012-10-17", Statement: []}'),
      /^conf\/irsa\.yaml:14: "clusters\[0\]\.serviceAccounts\[0\]\.inlinePolicies\.bad name" may hold only letters/,
    ],
    [
      withSa('inlinePolicies:', '  p: "{not json"'),
      /^conf\/irsa\.yaml:14: "clusters\[0\]\.serviceAccounts\[0\]\.inlinePolicies\.p" is not JSON/,
    ],
    [
      withSa('inlinePolicies:', '  p: {Statement: [{Effect: Allow, Principal: "*", Action: "s3:*", Resource: "*"}]}'),
      /^conf\/irsa\.yaml:14: "clusters\[0\]\.serviceAccounts\[0\]\.inlinePolicies\.p" is not a policy IAM accepts: Policy document should not specify a principal\.$/,
    ],
    [
      withSa('tags: {irsa-anywhere/cluster: x}'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.tags\.irsa-anywhere\/cluster" is a reserved tag key/,
    ],
    [withSa('tags: {"aws:x": y}'), /"clusters\[0\]\.serviceAccounts\[0\]\.tags\.aws:x" is a reserved tag key/],
    [
      withSa('tags: {team: "a,b"}'),
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[0\]\.tags" has the value of tag "team": a value may hold only/,
    ],
    [
      withSa('tags: {Team: a, team: b}'),
      /"clusters\[0\]\.serviceAccounts\[0\]\.tags" has two tag keys that differ only in case/,
    ],
    [
      sa(12, '        name: "*"\n        role: wide\n        annotate: true'),
      /^conf\/irsa\.yaml:14: "clusters\[0\]\.serviceAccounts\[0\]\.annotate" needs one namespace and one name/,
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
});

test('uniqueness: clusters, issuers, published places, service accounts; one role, one setting', () => {
  const second = (body: string) => `${BASE}${staging(body)}`;
  const staging = (body: string) => `  - name: staging\n${body}`;
  const cases: [string, RegExp][] = [
    [
      `${BASE}      - {namespace: default, name: app}\n`,
      /^conf\/irsa\.yaml:13: "clusters\[0\]\.serviceAccounts\[1\]" names ServiceAccount default\/app again \(first at "clusters\[0\]\.serviceAccounts\[0\]"\)$/,
    ],
    [
      `${BASE}  - name: prod\n    issuer: https://oidc.example.com/b\n    keys: [k]\n    publish: {directory: d}\n`,
      /^conf\/irsa\.yaml:13: "clusters\[1\]\.name" is prod, as is "clusters\[0\]\.name": names are unique$/,
    ],
    [
      second('    issuer: https://oidc.example.com/prod\n    keys: [k]\n    publish: {directory: d}\n'),
      /^conf\/irsa\.yaml:14: "clusters\[1\]\.issuer" is "clusters\[0\]\.issuer" too: one issuer is one IAM OIDC provider$/,
    ],
    [
      second(
        '    issuer: https://oidc.example.com/staging\n    keys: [k]\n    publish: {s3: {bucket: oidc-bucket, prefix: prod}}\n',
      ),
      /^conf\/irsa\.yaml:16: "clusters\[1\]\.publish" publishes to s3:\/\/oidc-bucket\/prod\/\.well-known\/openid-configuration, as "clusters\[0\]\.publish" does/,
    ],
    [
      `${BASE}  - name: pr-od\n    issuer: https://oidc.example.com/x\n    keys: [k]\n    publish: {directory: d}\n`,
      /^conf\/irsa\.yaml:13: "clusters\[1\]\.name" makes the bucket-policy Sid IrsaAnywherePrOd, as "clusters\[0\]\.name" does: rename one$/,
    ],
    [
      withSa('role: shared', 'maxSessionDuration: 1h') +
        staging(
          '    issuer: https://oidc.example.com/staging\n    keys: [k]\n    publish: {directory: d}\n    serviceAccounts:\n      - {namespace: b, name: c, role: shared, maxSessionDuration: 2h}\n',
        ),
      /^conf\/irsa\.yaml:20: "clusters\[1\]\.serviceAccounts\[0\]\.maxSessionDuration" differs from "clusters\[0\]\.serviceAccounts\[0\]\.maxSessionDuration" for the same role shared: a role has one maxSessionDuration$/,
    ],
    [
      withSa('role: Shared') +
        staging(
          '    issuer: https://oidc.example.com/staging\n    keys: [k]\n    publish: {directory: d}\n    serviceAccounts:\n      - {namespace: b, name: c, role: shared}\n',
        ),
      /^conf\/irsa\.yaml:19: "clusters\[1\]\.serviceAccounts\[0\]\.role" is role shared, and "clusters\[0\]\.serviceAccounts\[0\]\.role" is Shared: IAM role names ignore case/,
    ],
    [
      withLine(3, 'region: eu-west-1\nquotas: {roleTrustPolicyLength: 8192}'),
      /^conf\/irsa\.yaml:4: "quotas\.roleTrustPolicyLength" is 8192: IAM's quota is 2048 unless raised, at most 4096$/,
    ],
    [
      withLine(3, 'region: eu-west-1\nquotas: {managedPoliciesPerRole: 5}'),
      /"quotas\.managedPoliciesPerRole" is 5: IAM's quota is 10 unless raised, at most 20$/,
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
});

test('a role shared by several service accounts: settings written once apply, one statement each', () => {
  const text = `${withSa('role: shared', 'policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]')}      - {namespace: jobs, name: runner, role: shared, maxSessionDuration: 2h}\n`;
  const { config } = loadConfig(text, SOURCE);
  assert.equal(config.roles.length, 1);
  assert.deepEqual(config.roles[0].policies, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  assert.equal(config.roles[0].maxSessionDuration, 7200);
  assert.deepEqual(
    config.roles[0].trusts.map((t) => `${t.namespace}/${t.serviceAccount}`),
    ['default/app', 'jobs/runner'],
  );
});

test('warnings carry the line too: a "*" scope, an issuer with a trailing slash', () => {
  const text = withLine(6, '    issuer: https://oidc.example.com/prod/').replace(
    '      - namespace: default',
    '      - namespace: "*"\n        role: any-ns',
  );
  const { warnings } = loadConfig(text, SOURCE);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /^conf\/irsa\.yaml:6: "clusters\[0\]\.issuer" .*ends with "\/"/);
  assert.match(
    warnings[1],
    /^conf\/irsa\.yaml:11: "clusters\[0\]\.serviceAccounts\[0\]\.namespace" is "\*": the role trusts ServiceAccount app of every namespace on cluster prod \(StringLike\)$/,
  );
});

test('loadConfig throws ERR_CONFIG_INVALID with the first problem by line and how many more', () => {
  const text = withLine(3, 'region: Europe').replace('name: app', 'name: App');
  assert.throws(
    () => loadConfig(text, SOURCE),
    (e: IrsaError) =>
      e instanceof IrsaError &&
      e.code === 'ERR_CONFIG_INVALID' &&
      /^conf\/irsa\.yaml:3: "region" must be an AWS region name .*\(and 1 more problem\)$/.test(e.message),
  );
});

test('a problem never echoes control characters raw', () => {
  const found = problems(withLine(1, 'apiVersion: "v1\\u001b[2J"'));
  assert.equal(found.length, 1);
  assert.ok(!found[0].includes('\u001b'), found[0]);
});
