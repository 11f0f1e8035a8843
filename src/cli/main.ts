/**
 * The `tributary` command. Each sub-command lives in its own module and registers itself here.
 */
import { Command } from 'commander';

const program = new Command('tributary')
  .description('Zerobus-compatible ingestion into Delta Lake tables')
  .showHelpAfterError();

await program.parseAsync(process.argv);
