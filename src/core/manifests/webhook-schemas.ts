/**
 * The webhook settings' shapes, as zod schemas: `irsa webhook manifests` checks its flags with them
 * (core/manifests/webhook.ts) and the Helm chart's values.schema.json is generated from them
 * (core/manifests/chart/values-schema.ts), so the command and the chart accept the same values.
 */
import { z } from 'zod';
import { REGION_PATTERN } from '../aws/region.js';

export const FAILURE_POLICIES = ['Ignore', 'Fail'] as const;
export const TLS_MODES = ['self-managed', 'cert-manager', 'files'] as const;

export const REPLICAS = z.number().int().min(1);
export const FAILURE_POLICY = z.enum(FAILURE_POLICIES);
export const TLS_MODE = z.enum(TLS_MODES);
export const ACCOUNT_ID = z.string().regex(/^\d{12}$/);
export const REGION = z.string().regex(REGION_PATTERN);
/** A DNS-1123 subdomain (Secret names, annotation prefixes). */
export const DNS_SUBDOMAIN = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
/** `serve --token-expiration`: seconds, or a duration such as 24h, 90m, 3600s (the API server's minimum is 600 s). */
export const TOKEN_EXPIRATION = z.union([z.number().int().min(600), z.string().regex(/^\d+(s|m|h)?$/)]);
