/**
 * The apiserver endpoints behind the `default/kubernetes` Service, from its EndpointSlice (discovery.k8s.io/v1) or
 * its Endpoints object (core/v1): `host:port` each, IPv6 in brackets, ready endpoints only.
 */
import { isObject } from '../json/is-object.js';

const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObject) : []);
const hostPort = (ip: string, port: number) => `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

/** The https port of a ports list (named `https`, else the only/first one). */
function httpsPort(ports: Record<string, unknown>[]): number | undefined {
  const p = ports.find((x) => x.name === 'https') ?? ports[0];
  return typeof p?.port === 'number' ? p.port : undefined;
}

export function endpointsOfSlice(slice: unknown): string[] {
  if (!isObject(slice)) return [];
  const port = httpsPort(arr(slice.ports));
  if (port === undefined) return [];
  return arr(slice.endpoints)
    .filter((e) => !isObject(e.conditions) || e.conditions.ready !== false)
    .flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.filter((a) => typeof a === 'string') : []))
    .map((ip) => hostPort(ip, port));
}

export function endpointsOfEndpoints(endpoints: unknown): string[] {
  if (!isObject(endpoints)) return [];
  return arr(endpoints.subsets).flatMap((s) => {
    const port = httpsPort(arr(s.ports));
    if (port === undefined) return [];
    return arr(s.addresses).flatMap((a) => (typeof a.ip === 'string' ? [hostPort(a.ip, port)] : []));
  });
}
