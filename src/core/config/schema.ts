/**
 * irsa.yaml's shape, as written: field names, types, which are required. Every object is strict (a misspelt
 * field is an error at its line, never silently ignored). Values are checked further by core/config/checks.ts
 * (URLs, names, IAM's rules) and defaults applied by core/config/resolve.ts.
 */
import { z } from 'zod';
import { CONFIG_API_VERSION, CONFIG_KIND } from './types.js';

const text = z.string().min(1);
const tags = z.record(z.string(), z.string());
/** One duration syntax (core/duration.ts): `12h`, `90m`, or plain seconds. */
const duration = z.union([z.string(), z.number()], { error: 'must be a duration such as 1h, 90m or 3600' });

/** An inline policy: a YAML mapping, or the JSON text of one. */
const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())], {
  error: 'must be a policy document (a mapping with Version and Statement, or its JSON text)',
});

export const serviceAccountSchema = z.strictObject({
  namespace: text,
  name: text,
  role: text.optional(),
  path: z.string().optional(),
  permissionsBoundary: text.optional(),
  maxSessionDuration: duration.optional(),
  description: z.string().optional(),
  policies: z.array(text).optional(),
  inlinePolicies: z.record(z.string(), policyDocument).optional(),
  annotate: z.boolean().optional(),
  tags: tags.optional(),
});

const s3Schema = z.strictObject({
  bucket: text,
  prefix: z.string().optional(),
  create: z.boolean().optional(),
  maxAge: duration.optional(),
});

const publishSchema = z.strictObject({
  s3: s3Schema.optional(),
  directory: text.optional(),
});

const thumbprints = z.union([z.literal('auto'), z.array(z.string())], {
  error: 'must be auto, [] (not managed) or a list of 40-hex-digit SHA-1 thumbprints',
});

export const clusterSchema = z.strictObject({
  name: text,
  issuer: text,
  audiences: z.array(text).min(1).optional(),
  keys: z.array(text).min(1).optional(),
  fromCluster: z
    .strictObject({
      kubeconfig: text.optional(),
      context: text.optional(),
    })
    .optional(),
  jwksUri: text.nullable().optional(),
  thumbprints: thumbprints.optional(),
  /** kube-apiserver's --service-account-max-token-expiration: how long a token it signs can live (key rotation). */
  maxTokenExpiration: duration.optional(),
  publish: publishSchema,
  serviceAccounts: z.array(serviceAccountSchema).optional(),
});

export const configSchema = z.strictObject({
  apiVersion: z.literal(CONFIG_API_VERSION),
  kind: z.literal(CONFIG_KIND),
  region: text,
  quotas: z
    .strictObject({
      roleTrustPolicyLength: z.number().int().optional(),
      managedPoliciesPerRole: z.number().int().optional(),
    })
    .optional(),
  tags: tags.optional(),
  clusters: z.array(clusterSchema).min(1),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawCluster = z.infer<typeof clusterSchema>;
export type RawServiceAccount = z.infer<typeof serviceAccountSchema>;
