/**
 * The transport-neutral request and response of both emulators, and the records they keep for tests:
 * spec violations and the log of remote writes.
 */

/** An HTTP request as an emulator sees it; the node:http mount builds it, tests can build it directly. */
export interface EmulatorRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path below the emulator's prefix, not yet percent-decoded, e.g. `/v2/orgs/emulated-org/directories`. */
  readonly path: string;
  /** Decoded query parameters; repeated parameters keep every value. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** Headers with lower-case names. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The raw body, if any. */
  readonly body: string | undefined;
  /**
   * Absolute URL that stands for the real API's base (no trailing slash), used for links in responses;
   * defaults to the real API's URL, so responses stay valid `format: uri` values.
   */
  readonly baseUrl?: string;
}

/** An HTTP response produced by an emulator. */
export interface EmulatorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** Something an emulator is: a handler of requests. */
export interface Emulator {
  handle(request: EmulatorRequest): Promise<EmulatorResponse>;
  /**
   * The answer (401, or 403 where the API says so) to a request whose headers already disqualify it, computed
   * without its body (the request's `body` is ignored); undefined when its credential is accepted.
   */
  refuse?(request: EmulatorRequest): EmulatorResponse | undefined;
}

/** A departure from the OpenAPI spec seen by an emulator: a client's request, or the emulator's own response. */
export interface Violation {
  readonly api: 'admin' | 'bitbucket' | 'google';
  /** `request`: the client sent something the spec does not describe; `response`: an emulator bug. */
  readonly side: 'request' | 'response';
  readonly method: string;
  readonly path: string;
  /** `METHOD /template` when the request matched an operation. */
  readonly operation: string | undefined;
  readonly messages: readonly string[];
  readonly time: number;
}

/** One mutating call received by an emulator. */
export interface WriteLogEntry {
  readonly method: string;
  readonly path: string;
  /** `METHOD /template` of the operation. */
  readonly operation: string;
  readonly body: string | undefined;
  /** The emulator clock's time when the call arrived. */
  readonly time: number;
  /** The status answered, or `dropped` when the connection was lost. */
  readonly status: number | 'dropped';
  /** Whether the emulator's state logic ran (true for successes, business errors and drops after handling). */
  readonly applied: boolean;
  /** For a drop after handling: the status the handler produced before the reply was lost (a 409 changed nothing). */
  readonly handledStatus?: number;
}

/** How an emulator records the mutating calls it receives. */
export interface WriteLogOptions {
  /**
   * Whether `writeLog` keeps every entry (default true, what tests inspect). A benchmark that only counts writes
   * turns it off and counts through `onWrite`: kept, the log grows with every write of a run (19 MB of the Admin
   * API's after seven minutes of bench/forge-cycle.ts at 10,000 users).
   */
  readonly keepWriteLog?: boolean;
  /** Told of every mutating call as it is recorded, whether the log keeps it or not. */
  readonly onWrite?: (entry: WriteLogEntry) => void;
}
