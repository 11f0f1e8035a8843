/**
 * The `tributary` command. Each sub-command lives in its own module and registers itself here.
 */
import { Command } from 'commander';
import { register as registerServe } from './serve.js';

const program = new Command('tributary')
  .description('Zerobus-compatible ingestion into Delta Lake tables')
  .showHelpAfterError();
registerServe(program);

await program.parseAsync(process.argv);
