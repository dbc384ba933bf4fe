/** The `chronoq` executable (bin/chronoq.js imports this file). */
import { processIo } from './io.js';
import { run } from './program.js';

const code = await run(process.argv.slice(2), processIo());
process.exitCode = code;
// Leave even if a stray handle (a keep-alive socket, a timer) would hold the process open,
// once stdout had its chance to drain.
setTimeout(() => process.exit(code), 1000).unref();
