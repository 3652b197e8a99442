import { type Command, Option } from 'commander';
import { APISERVER_DISTROS } from '../../core/issuer/distros.js';
import { durationOption, lazy } from '../action.js';
import { registerIssuerWatchCommands } from './issuer-watch.js';

const OUT_HELP = 'write to a new file (atomically) instead of stdout; never over a --key file, even with --force';

export function registerIssuerCommands(program: Command): void {
  const issuer = program.command('issuer').description("the cluster's OIDC issuer: JWKS, discovery, apiserver flags");
  issuer
    .command('jwks')
    .description('the JWKS (keys.json) exactly as kube-apiserver serves it at /openid/v1/jwks')
    .requiredOption('--key <file...>', 'public/private key, certificate or JWK(S) files (repeat for rotation)')
    .option('--out <file>', OUT_HELP)
    .option('--force', 'let --out replace an existing file')
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
    .requiredOption(
      '--key <file...>',
      'every key the JWKS publishes (the same --key files as issuer jwks, or the JWKS file itself)',
    )
    .option('--out <file>', OUT_HELP)
    .option('--force', 'let --out replace an existing file')
    .addHelpText(
      'after',
      '\nThe document lists the algorithms of the keys it is given: give it every key of the JWKS, most simply the\n' +
        'JWKS written by `irsa issuer jwks`. A JWKS already published beside --out is compared, and a difference is a warning.\n' +
        '\nExample:\n  irsa issuer jwks --key pki/sa.pub --key pki/sa-old.pub --out public/openid/v1/jwks\n' +
        '  irsa issuer discovery --issuer https://oidc.example.com/cluster1 --key public/openid/v1/jwks --out public/.well-known/openid-configuration',
    )
    .action(lazy('issuer discovery', async () => (await import('../commands/issuer-documents.js')).issuerDiscovery));
  issuer
    .command('fetch')
    .description("read discovery and JWKS from a live cluster's API, check them, write them ready to publish")
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--out-dir <dir>', 'directory to write .well-known/openid-configuration and the JWKS to')
    .option('--force', 'replace documents in --out-dir that differ (the same bytes again are left as they are)')
    .addHelpText('after', '\nExample:\n  irsa issuer fetch --context prod --out-dir ./public')
    .action(lazy('issuer fetch', async () => (await import('../commands/issuer-fetch.js')).issuerFetch));
  registerThumbprint(issuer);
  registerIssuerWatchCommands(issuer);
  issuer
    .command('apiserver-flags')
    .description("the kube-apiserver configuration for a distribution's config format")
    .addOption(new Option('--distro <name>', 'distribution').choices([...APISERVER_DISTROS]).makeOptionMandatory())
    .requiredOption('--issuer <url>', 'the public issuer URL')
    .option('--jwks-uri <url>', 'published JWKS URL (default <issuer>/openid/v1/jwks)')
    .option('--signing-key <path...>', 'private key path on the control-plane node (repeatable)')
    .option('--public-key <path...>', 'public key path(s) on the node; list the old key too while rotating')
    .option('--previous-issuer <url>', 'the issuer in use now, kept accepted during migration')
    .option(
      '--api-audiences <aud...>',
      'audiences the apiserver accepts today (default: the previous issuer or the distro default)',
    )
    .addOption(
      durationOption('--max-token-expiration <duration>', 'longest token lifetime, 1h or more: 24h, 86400s, 86400'),
    )
    .addOption(
      new Option(
        '--kubeadm-api <version>',
        'kubeadm config API, with --distro kubeadm (default v1beta4) or kind (both unless given)',
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

function registerThumbprint(issuer: Command): void {
  issuer
    .command('thumbprint')
    .description('the thumbprint(s) AWS would compute for an issuer: SHA-1 of the last certificate its hosts send')
    .argument('<url>', 'the issuer URL (its discovery document names the jwks_uri host)')
    .option('--jwks-uri <url>', 'the JWKS URL, when the discovery document is not published yet')
    .option(
      '--trust-ca <file...>',
      'CA certificates to check the chain against (a private CA; never changes the thumbprint)',
    )
    .addOption(durationOption('--timeout <duration>', 'per connection', { unit: 'ms', default: 3000, max: 60_000 }))
    .addHelpText(
      'after',
      "\nPrints the jwks_uri host's thumbprint, then the issuer host's when it is another host, one per line.\n" +
        'AWS trusts public CAs through its own CA library; the thumbprint matters for a private CA.\n' +
        '\nExample:\n  irsa issuer thumbprint https://oidc.example.com/cluster1',
    )
    .action(lazy('issuer thumbprint', async () => (await import('../commands/issuer-thumbprint.js')).issuerThumbprint));
}
