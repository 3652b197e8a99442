import { E, type ErrorCode, IrsaError } from '../errors.js';

/**
 * kube-apiserver's rules for the issuer and jwks_uri (pkg/serviceaccount/openidmetadata.go), which AWS shares:
 * https only, no query, no fragment. The issuer is used verbatim everywhere, so a trailing slash is legal but must
 * then appear in the apiserver flag, every token's iss, the discovery document and the IAM provider URL alike.
 */
export function checkIssuerUrl(issuer: string, field = 'issuer'): { warnings: string[] } {
  const url = parseHttpsUrl(issuer, field, E.ERR_ISSUER_INVALID);
  if (url.search || issuer.includes('?')) {
    throw new IrsaError(E.ERR_ISSUER_INVALID, `${field} URL may not include a query, got: ${issuer}`);
  }
  if (url.hash || issuer.includes('#')) {
    throw new IrsaError(E.ERR_ISSUER_INVALID, `${field} URL may not include a fragment, got: ${issuer}`);
  }
  const warnings: string[] = [];
  if (issuer.endsWith('/')) {
    warnings.push(
      `${field} ${issuer} ends with "/": the issuer is compared byte for byte, so the apiserver's --service-account-issuer, ` +
        'every token iss, the discovery "issuer" and the IAM OIDC provider URL must all carry the same trailing slash',
    );
  }
  return { warnings };
}

/** jwks_uri must be an https URL (kube-apiserver: "jwksURI requires https scheme"). */
export function checkJwksUri(jwksUri: string): void {
  parseHttpsUrl(jwksUri, 'jwks_uri', E.ERR_JWKS_URI_INVALID);
}

/** The default jwks_uri for an issuer: where `issuer publish` puts the key set. */
export function defaultJwksUri(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/openid/v1/jwks`;
}

function parseHttpsUrl(value: string, field: string, code: ErrorCode): URL {
  // Each refusal names its own reason: a space is not a scheme problem, and credentials are never echoed.
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new IrsaError(
      code,
      `${field} URL must not contain spaces or control characters, got: ${JSON.stringify(value)}`,
    );
  }
  if (!/^https:\/\//i.test(value)) {
    throw new IrsaError(code, `${field} URL must use https scheme, got: ${value}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new IrsaError(code, `${field} is not a valid URL (check the host name and port), got: ${value}`);
  }
  if (url.username !== '' || url.password !== '' || /^https:\/\/[^/]*@/i.test(value)) {
    // It would be published verbatim in the discovery document and every token: refuse, without echoing it.
    throw new IrsaError(
      code,
      `${field} URL may not include user information (user:password@), got: https://…@${url.host}${url.pathname}`,
    );
  }
  return url;
}
