import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { parseIntFlag } from '../flag-values.js';
import { auditTable, tokenTable } from '../render-auth.js';

/** `token create|ls|revoke` and `audit`: API tokens and the audit log (admin role). */
export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('API tokens (needs an admin token)');

  token
    .command('create')
    .description('create a token; its secret is printed once and never shown again')
    .argument('<name>', 'who or what will use it (recorded as the actor in task histories)')
    .addOption(
      new Option('--role <role>', 'what it may do').choices([...ROLES]).makeOptionMandatory(),
    )
    .action(async (name: string, o: { role: Role }, cmd: Command) => {
      const created = await ctx.client(cmd).createToken(name, o.role);
      if (ctx.json(cmd)) return ctx.printJson(created);
      ctx.print(created.token);
      ctx.warn(
        `token ${created.id} (${created.name}, ${created.role}) created: keep the secret above, it is not shown again`,
      );
    });

  token
    .command('ls')
    .description('every token (never their secrets)')
    .action(async (_o: unknown, cmd: Command) => {
      const tokens = await ctx.client(cmd).tokens();
      ctx.output(cmd, tokens, (t, s) => tokenTable(t, ctx.io.now(), s));
    });

  token
    .command('revoke')
    .description('revoke a token, by id or name: it stops working at once')
    .argument('<id-or-name>', 'token id or name')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const client = ctx.client(cmd);
      const byName = (await client.tokens()).find((t) => t.id !== key && t.name === key);
      const revoked = await client.revokeToken(byName?.id ?? key);
      ctx.output(cmd, revoked, (t) => `revoked ${t.id} (${t.name}, ${t.role})`);
    });

  program
    .command('audit')
    .description('the audit log, newest first: who changed what (needs an admin token)')
    .option('--limit <n>', 'entries per page (default 50)')
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (o: { limit?: string; cursor?: string }, cmd: Command) => {
      const page = await ctx.client(cmd).audit({
        limit: o.limit === undefined ? undefined : parseIntFlag('--limit', o.limit),
        cursor: o.cursor,
      });
      ctx.output(cmd, page, (p, s) => auditTable(p, ctx.io.now(), s));
    });
}
