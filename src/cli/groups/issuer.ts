import { type Command, Option } from 'commander';
import { lazy } from '../action.js';

export const DISTROS = ['generic', 'kubeadm', 'k0s', 'k3s', 'rke2', 'kind', 'talos', 'microk8s'] as const;

export function registerIssuerCommands(program: Command): void {
  const issuer = program.command('issuer').description("the cluster's OIDC issuer: JWKS, discovery, apiserver flags");
  issuer
    .command('jwks')
    .description('the JWKS (keys.json) exactly as kube-apiserver serves it at /openid/v1/jwks')
    .requiredOption('--key <file...>', 'public/private key, certificate or JWK(S) files (repeat for rotation)')
    .option('--out <file>', 'write to a file (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExample:\n  irsa issuer jwks --key pki/sa.pub --key pki/sa-old.pub --out public/openid/v1/jwks',
    )
    .action(lazy('issuer jwks', async () => (await import('../commands/issuer-documents.js')).issuerJwks));
  issuer
    .command('discovery')
    .description('/.well-known/openid-configuration byte-identical to kube-apiserver')
    .requiredOption('--issuer <url>', 'the issuer (https, verbatim; no query or fragment)')
    .option('--jwks-uri <url>', 'where the JWKS is published (default <issuer>/openid/v1/jwks)')
    .requiredOption('--key <file...>', 'the keys in the JWKS (to list their algorithms)')
    .option('--out <file>', 'write to a file (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExample:\n  irsa issuer discovery --issuer https://oidc.example.com/cluster1 --key pki/sa.pub --out public/.well-known/openid-configuration',
    )
    .action(lazy('issuer discovery', async () => (await import('../commands/issuer-documents.js')).issuerDiscovery));
  issuer
    .command('fetch')
    .description("read discovery and JWKS from a live cluster's API, check them, write them ready to publish")
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--out-dir <dir>', 'directory to write .well-known/openid-configuration and the JWKS to')
    .addHelpText('after', '\nExample:\n  irsa issuer fetch --context prod --out-dir ./public')
    .action(lazy('issuer fetch', async () => (await import('../commands/issuer-fetch.js')).issuerFetch));
  issuer
    .command('apiserver-flags')
    .description("the kube-apiserver configuration for a distribution's config format")
    .addOption(new Option('--distro <name>', 'distribution').choices([...DISTROS]).makeOptionMandatory())
    .requiredOption('--issuer <url>', 'the public issuer URL')
    .option('--jwks-uri <url>', 'published JWKS URL (default <issuer>/openid/v1/jwks)')
    .option('--signing-key <path...>', 'private key path on the control-plane node (repeatable)')
    .option('--public-key <path...>', 'public key path(s) on the node; list the old key too while rotating')
    .option('--previous-issuer <url>', 'the issuer in use now, kept accepted during migration')
    .option(
      '--api-audiences <aud...>',
      'audiences the apiserver accepts today (default: the previous issuer or the distro default)',
    )
    .option('--max-token-expiration <duration>', 'longest token lifetime, e.g. 24h or 86400s')
    .addOption(
      new Option(
        '--kubeadm-api <version>',
        'kubeadm config API (kubeadm: default v1beta4; kind: both unless given)',
      ).choices(['v1beta3', 'v1beta4']),
    )
    .addHelpText(
      'after',
      '\nExample:\n  irsa issuer apiserver-flags --distro k3s --issuer https://oidc.example.com/c1 --previous-issuer https://kubernetes.default.svc.cluster.local',
    )
    .action(
      lazy(
        'issuer apiserver-flags',
        async () => (await import('../commands/issuer-apiserver-flags.js')).apiserverFlags,
      ),
    );
}
