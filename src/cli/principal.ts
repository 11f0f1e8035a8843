/**
 * `tributary principal`: service principals (OAuth clients) and their secrets, as the local admin.
 * A secret is printed once, when created; only its hash is stored.
 */
import type { Command } from 'commander';
import { generateClientSecret, hashSecret } from '../auth/secrets.js';
import { missing } from '../catalog/catalog-errors.js';
import type { AdminContext } from './admin-context.js';
import { runAdminCommand } from './admin-context.js';
import { validatePrincipalName } from '../catalog/names.js';
import { formatTextTable } from './text-table.js';

interface DataDirOption {
  dataDir?: string;
}

function printCredentials(clientId: string, clientSecret: string): void {
  process.stdout.write(`client_id: ${clientId}\nclient_secret: ${clientSecret}\n`);
}

async function requirePrincipal(ctx: AdminContext, idOrName: string) {
  const principal = await ctx.store.getPrincipal(idOrName);
  if (!principal) throw missing.principal(idOrName);
  return principal;
}

export function register(program: Command): void {
  const principal = program
    .command('principal')
    .description('manage service principals: the client ids and secrets producers authenticate with');
  const dataDirOption = [
    '--data-dir <dir>',
    'data directory (default: $TRIBUTARY_DATA_DIR, else ./tributary-data)',
  ] as const;

  principal
    .command('create')
    .description('create a principal and print its client id and secret (the secret is shown only now)')
    .argument('<name>', 'display name, used in GRANT ... TO `name`')
    .option('--admin', 'make it an admin (bypasses grants)')
    .option(...dataDirOption)
    .action(async (name: string, options: DataDirOption & { admin?: boolean }) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const secret = generateClientSecret();
        const created = await ctx.store.createPrincipal(validatePrincipalName(name), {
          admin: options.admin === true,
          secretHash: await hashSecret(secret),
        });
        printCredentials(created.applicationId, secret);
      });
    });

  principal
    .command('list')
    .description('list principals (never their secrets)')
    .option(...dataDirOption)
    .action(async (options: DataDirOption) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const rows = (await ctx.store.listPrincipals()).map((p) => [
          p.applicationId,
          p.displayName,
          p.admin ? 'yes' : 'no',
          String(p.secrets.length),
          new Date(p.createdAt).toISOString(),
        ]);
        process.stdout.write(formatTextTable(['client_id', 'name', 'admin', 'secrets', 'created'], rows));
      });
    });

  principal
    .command('rotate-secret')
    .description('give a principal a new secret (printed once) and remove its old ones')
    .argument('<id>', 'client id or name')
    .option(...dataDirOption)
    .action(async (idOrName: string, options: DataDirOption) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const target = await requirePrincipal(ctx, idOrName);
        const secret = generateClientSecret();
        const added = await ctx.store.addSecret(target.applicationId, await hashSecret(secret));
        await ctx.store.removeSecretsExcept(target.applicationId, added.id);
        printCredentials(target.applicationId, secret);
      });
    });

  principal
    .command('delete')
    .description('delete a principal with its secrets and grants')
    .argument('<id>', 'client id or name')
    .option(...dataDirOption)
    .action(async (idOrName: string, options: DataDirOption) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const target = await requirePrincipal(ctx, idOrName);
        await ctx.store.deletePrincipal(target.applicationId);
        process.stdout.write(`deleted principal ${target.displayName} (${target.applicationId})\n`);
      });
    });
}
