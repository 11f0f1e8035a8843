/**
 * The `tributary` command. Each sub-command lives in its own module and registers itself here.
 */
import { Command } from 'commander';
import { register as registerGenerateProto } from './generate-proto.js';
import { register as registerIngest } from './ingest.js';
import { register as registerOptimize } from './optimize.js';
import { register as registerPrincipal } from './principal.js';
import { register as registerQuery } from './query.js';
import { register as registerServe } from './serve.js';
import { register as registerSql } from './sql.js';
import { register as registerVacuum } from './vacuum.js';

const program = new Command('tributary')
  .description('Zerobus-compatible ingestion into Delta Lake tables')
  .showHelpAfterError();
registerServe(program);
registerSql(program);
registerPrincipal(program);
registerGenerateProto(program);
registerIngest(program);
registerQuery(program);
registerOptimize(program);
registerVacuum(program);

await program.parseAsync(process.argv);
