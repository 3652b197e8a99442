import { type Command, Option } from 'commander';
import { APISERVER_DISTROS } from '../../core/issuer/distros.js';
import { durationOption, lazy } from '../action.js';
import { irsaFileOption } from './irsa-file-options.js';

const NOW_HELP =
  'the time to decide at: ISO 8601 with its zone (2026-12-06T05:00:00Z) or now (default: this machine’s clock)';

/** The flags every phase takes. */
function common(cmd: Command): Command {
  return irsaFileOption(cmd)
    .option('--cluster <name>', 'the cluster of irsa.yaml to rotate (needed when it has several)')
    .option('--trust-ca <file...>', 'extra CA certificates for the issuer host (read-back over HTTPS)')
    .option('--now <time>', NOW_HELP);
}

const load = async () => import('../commands/rotate.js');

export function registerRotateCommands(program: Command): void {
  const rotate = program
    .command('rotate')
    .description("rotate a cluster's service-account signing key without an outage (docs/rotation.md)");
  common(
    rotate.command('begin').description('publish the JWKS with the old and the new key; print the apiserver steps'),
  )
    .requiredOption('--new-key <file>', 'the new key (its public half is published; a public key file is enough)')
    .addOption(
      durationOption('--margin <duration>', 'added after the tokens’ lifetime for AWS STS’s own JWKS cache', {
        default: 3600,
      }),
    )
    .addOption(
      new Option('--distro <name>', 'distribution (for the apiserver steps)')
        .choices([...APISERVER_DISTROS])
        .default('generic'),
    )
    .addOption(
      new Option('--kubeadm-api <version>', 'kubeadm config API (kubeadm, kind)').choices(['v1beta3', 'v1beta4']),
    )
    .option('--previous-issuer <url>', 'another issuer the apiservers accept today (kept in the steps)')
    .option('--api-audiences <aud...>', 'the audiences the apiservers accept today (kept in the steps)')
    .option(
      '--node-key-dir <dir>',
      'where the new key goes on the control-plane nodes (default: beside the signing key)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  irsa rotate begin -f irsa.yaml --cluster prod --new-key keys/sa-2027.pub --distro k3s',
    )
    .action(lazy('rotate begin', async () => (await load()).rotateBegin));
  common(
    rotate.command('switched').description('record that every apiserver signs with the new key (refused until safe)'),
  )
    .option('--at <time>', 'when the last apiserver started signing with the new key (default: --now)')
    .addHelpText('after', '\nExample:\n  irsa rotate switched -f irsa.yaml --cluster prod --at 2026-12-06T07:10:00Z')
    .action(lazy('rotate switched', async () => (await load()).rotateSwitched));
  common(rotate.command('finish').description('remove the old key from the published JWKS (refused until safe)'))
    .addHelpText('after', '\nExample:\n  irsa rotate finish -f irsa.yaml --cluster prod')
    .action(lazy('rotate finish', async () => (await load()).rotateFinish));
  common(rotate.command('status').description('the phase, what is published, when each next step is safe and why'))
    .addHelpText('after', '\nExample:\n  irsa rotate status -f irsa.yaml --cluster prod --output json')
    .action(lazy('rotate status', async () => (await load()).rotateStatus));
}
