import { E, IrsaError } from '../errors.js';

/** Kubernetes name rules (apimachinery validation): namespaces are DNS-1123 labels, most objects subdomains. */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkDnsLabel(value: string, field: string): void {
  if (value.length > 63 || !LABEL.test(value)) {
    throw new IrsaError(
      E.ERR_K8S_NAME,
      `${field} must be a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric), got: ${value}`,
    );
  }
}

export function checkDnsSubdomain(value: string, field: string): void {
  if (value.length > 253 || !value.split('.').every((part) => LABEL.test(part))) {
    throw new IrsaError(
      E.ERR_K8S_NAME,
      `${field} must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253), got: ${value}`,
    );
  }
}
