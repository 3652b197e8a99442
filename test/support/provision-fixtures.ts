// irsa.yaml texts and planner inputs shared by the config and planner tests: configs loaded from YAML text as the
// CLI would load them, a key set that needs no key files, and the material the shells would gather.
import { loadConfig } from '../../src/core/config/load.js';
import type { IrsaConfig } from '../../src/core/config/types.js';
import type { Jwks } from '../../src/core/issuer/jwks.js';
import { planApply } from '../../src/core/provision/plan.js';
import type { ApplyOptions, ClusterMaterial, CurrentState, Plan } from '../../src/core/provision/types.js';

export const THUMB_A = '990F4193972F2BECF12DDEDA5237F9C952F20D9E';
export const THUMB_B = '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280';

export const JWKS: Jwks = {
  keys: [
    {
      use: 'sig',
      kty: 'RSA',
      kid: 'kid-1',
      alg: 'RS256',
      n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri',
      e: 'AQAB',
    },
  ],
};

export const JWKS_ROTATED: Jwks = {
  keys: [...JWKS.keys, { use: 'sig', kty: 'EC', kid: 'kid-2', crv: 'P-256', alg: 'ES256', x: 'x', y: 'y' }],
};

/** The issue's own example, one cluster publishing to S3. */
export const S3_CONFIG = `apiVersion: irsa-anywhere/v1
kind: Config
region: ap-southeast-2
clusters:
  - name: prod
    issuer: https://my-oidc-bucket.s3.ap-southeast-2.amazonaws.com/prod
    audiences: [sts.amazonaws.com]
    keys: [keys/sa.pub]
    thumbprints: auto
    publish:
      s3: {bucket: my-oidc-bucket, prefix: prod, create: true}
    serviceAccounts:
      - namespace: default
        name: test-pod-sa
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
`;

export const DIR_CONFIG = `apiVersion: irsa-anywhere/v1
kind: Config
region: eu-west-1
clusters:
  - name: lab
    issuer: https://127.0.0.1:4443
    keys: [pki/sa.pub]
    thumbprints: []
    publish: {directory: sandbox/issuer}
    serviceAccounts:
      - {namespace: default, name: app}
`;

export function config(text: string): IrsaConfig {
  return loadConfig(text, { file: 'irsa.yaml', dir: '/work/cfg' }).config;
}

export function material(
  cfg: IrsaConfig,
  overrides: Partial<ClusterMaterial> = {},
): ReadonlyMap<string, ClusterMaterial> {
  return new Map(
    cfg.clusters.map((c) => [
      c.name,
      { jwks: JWKS, autoThumbprints: { ok: true, thumbprints: [THUMB_A] }, ...overrides },
    ]),
  );
}

export function plan(cfg: IrsaConfig, state: CurrentState, options: Partial<ApplyOptions> = {}): Plan {
  return planApply(cfg, state, { material: material(cfg), ...options });
}
