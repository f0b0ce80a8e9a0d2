/**
 * Entry point of the reference variant server: `node src/variant-server/main.ts`. Reads the
 * configuration from the environment (see docs/variant-server.md), exits 2 with a message listing the
 * known variants when the variant is missing or unknown, logs JSON lines to stdout (the first,
 * {"msg":"listening","port":…}, printed at any LOG_LEVEL, tells a parent process where it listens),
 * and drains on SIGTERM/SIGINT.
 */
import { pino } from 'pino';
import { parseConfig } from './config.ts';
import { startVariantServer } from './server.ts';

const result = parseConfig(process.env);
if (!result.ok) {
  const { error } = result;
  pino({ base: { service: 'variant-server' } }).fatal({ code: error.code, ...('known' in error ? { known: error.known } : {}) }, error.message);
  console.error(`variant-server: ${error.message}`);
  process.exit(2);
}
const { config } = result;
const base = { service: 'variant-server', variant: config.variant };
const logger = pino({ level: config.logLevel, base });

let server: Awaited<ReturnType<typeof startVariantServer>>;
try {
  server = await startVariantServer({ config, logger });
} catch (error) {
  logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
  console.error(`variant-server: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
// Printed whatever LOG_LEVEL says: a parent process finds the port (PORT=0) in this line.
pino({ base: { service: base.service } }).info(server.listening, 'listening');
server.ready.catch((error: unknown) => {
  logger.fatal({ err: error }, 'warm-up failed');
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'received signal');
    server.shutdown().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  });
}
