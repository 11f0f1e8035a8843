/**
 * The official TypeScript SDK (native binary) through every compatibility scenario; see
 * test/compat/harness/scenario-env.ts.
 */
import { FAST_DRIVERS } from '../harness/drivers.js';
import { describeOfficialSdk } from './official-sdk-cases.js';

describeOfficialSdk(FAST_DRIVERS.find((d) => d.name === 'typescript')!);
