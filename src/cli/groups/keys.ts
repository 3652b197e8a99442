import { type Command, Option } from 'commander';
import { intOption, lazy } from '../action.js';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('service-account signing keys');
  keys
    .command('generate')
    .description('create a signing key pair: <name>.key (PKCS#1/SEC1, 0600) and <name>.pub (SPKI)')
    .addOption(new Option('--type <type>', 'key type').choices(['rsa', 'ec']).default('rsa'))
    .option('--bits <n>', 'RSA modulus size, >= 2048 (--type rsa; default 2048)', intOption('--bits'))
    .addOption(
      new Option('--curve <curve>', 'EC curve (--type ec; default P-256)').choices(['P-256', 'P-384', 'P-521']),
    )
    .requiredOption('--out-dir <dir>', 'directory to write the key pair to (created if missing)')
    .option('--name <name>', 'file name stem (keep old and new side by side when rotating)', 'sa')
    .option('--force', 'replace existing <name>.key and <name>.pub (without it, existing files are never touched)')
    .addHelpText('after', '\nExample:\n  irsa keys generate --type ec --out-dir ./pki --name sa-2026')
    .action(lazy('keys generate', async () => (await import('../commands/keys-generate.js')).keysGenerate));
}
