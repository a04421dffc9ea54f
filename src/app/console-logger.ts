/** A logger that writes one structured line per event to the console (Forge collects console output as logs). */
import type { ScimLogger } from '../scim/error-response';

/** Logs errors as single JSON lines with a stable code. */
export const consoleLogger: ScimLogger = {
  error(code, message, fields) {
    console.error(JSON.stringify({ level: 'error', code, message, ...fields }));
  },
};
