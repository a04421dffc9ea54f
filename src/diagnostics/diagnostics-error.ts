/** The error type of the Diagnostics layer. */

/**
 * A check could not do what it had to (a scratch record it could not remove, an observation the page sent that this
 * installation did not sign); `cause` keeps the error underneath.
 */
export class DiagnosticsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiagnosticsError';
  }
}
