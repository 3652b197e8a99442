// The issuer checks as pure functions: key sets compared as keys (not bytes), the union that never drops a key,
// the apiserver endpoints read from an EndpointSlice or Endpoints, and the verdicts at their edges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { apiserverKeysetsCheck } from '../../src/core/issuer-check/apiserver-keysets.js';
import { endpointsOfEndpoints, endpointsOfSlice } from '../../src/core/issuer-check/endpoints.js';
import { keyIdentity, keysMissing, sameKeySet, unionKeys } from '../../src/core/issuer-check/keys.js';
import { stsCanaryCheck } from '../../src/core/issuer-check/sts-canary.js';
import { tlsExpiryCheck } from '../../src/core/issuer-check/tls-expiry.js';
import type { Jwk } from '../../src/core/issuer-check/types.js';

const ec = (kid: string, x = `x-${kid}`): Jwk => ({
  use: 'sig',
  kty: 'EC',
  kid,
  crv: 'P-256',
  alg: 'ES256',
  x,
  y: `y-${kid}`,
});

describe('key sets', () => {
  test('the same key in another member order, with other non-key members, is the same key', () => {
    const a = ec('k1');
    const b = { y: a.y, x: a.x, crv: 'P-256', kid: 'k1', kty: 'EC' };
    assert.equal(keyIdentity(a), keyIdentity(b));
    assert.ok(sameKeySet([a], [b]));
  });
  test('the same kid with other material is another key', () => {
    assert.deepEqual(keysMissing([ec('k1', 'new')], [ec('k1', 'old')]).length, 1);
  });
  test('the union keeps every published key and adds every missing apiserver key', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e').map((k) => ec(k));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 5 }), fc.array(key, { maxLength: 5 }), (published, apiserver) => {
        const union = unionKeys(published, apiserver);
        assert.deepEqual(union.slice(0, published.length), published);
        assert.equal(keysMissing(apiserver, union).length, 0);
      }),
    );
  });
});

describe('apiserver endpoints', () => {
  test('an EndpointSlice: ready addresses on its https port, IPv6 in brackets', () => {
    const slice = {
      ports: [{ name: 'https', port: 6443 }],
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: { ready: true } },
        { addresses: ['fd00::2'] },
        { addresses: ['10.0.0.3'], conditions: { ready: false } },
      ],
    };
    assert.deepEqual(endpointsOfSlice(slice), ['10.0.0.1:6443', '[fd00::2]:6443']);
  });
  test('Endpoints: each subset with its own port', () => {
    const endpoints = {
      subsets: [
        { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] },
        { addresses: [{ ip: '10.0.0.2' }], ports: [{ port: 443 }] },
      ],
    };
    assert.deepEqual(endpointsOfEndpoints(endpoints), ['10.0.0.1:6443', '10.0.0.2:443']);
  });
});

describe('verdicts', () => {
  test('apiservers that cannot be read warn, never fail', () => {
    assert.equal(apiserverKeysetsCheck({ error: '403 Forbidden' }).status, 'warn');
    const none = apiserverKeysetsCheck({
      via: 'endpointslice',
      endpoints: [{ endpoint: '10.0.0.1:6443', error: 'timeout' }],
    });
    assert.equal(none.status, 'warn');
  });
  test('the issuer certificate: expired fails, under 14 days warns', () => {
    const now = 1_800_000_000;
    const at = (days: number) => ({
      ok: true as const,
      hosts: [
        {
          url: 'https://oidc.example.com/c1',
          thumbprint: 'T',
          trusted: true,
          notAfter: new Date((now + days * 86400) * 1000).toISOString(),
        },
      ],
    });
    assert.equal(tlsExpiryCheck(at(-1), now).status, 'fail');
    assert.equal(tlsExpiryCheck(at(13), now).status, 'warn');
    assert.equal(tlsExpiryCheck(at(15), now).status, 'pass');
    assert.equal(tlsExpiryCheck({ ok: false, error: 'connection refused' }, now).status, 'warn');
  });
  test('the canary: a refused token fails; a refusing trust policy or no answer warns', () => {
    const roleArn = 'arn:aws:iam::111122223333:role/canary';
    assert.equal(stsCanaryCheck({ ok: false, roleArn, code: 'InvalidIdentityToken', message: 'x' }).status, 'fail');
    assert.equal(stsCanaryCheck({ ok: false, roleArn, code: 'AccessDenied', message: 'x' }).status, 'warn');
    assert.equal(stsCanaryCheck({ ok: false, roleArn, message: 'STS not reached: timeout' }).status, 'warn');
    assert.equal(stsCanaryCheck({ ok: true, roleArn }).status, 'pass');
  });
});
