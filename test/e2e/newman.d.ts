/**
 * The part of newman's programmatic API (newman 6, which ships no type declarations) the conformance test uses:
 * `run` and the fields of its run summary the test reads.
 */
declare module 'newman' {
  /** Options of `newman.run`, as documented in newman's README ("API Reference"). */
  export interface NewmanRunOptions {
    collection: string | object;
    envVar?: { key: string; value: string }[];
    folder?: string[];
    timeoutRequest?: number;
    reporters?: string | string[];
    bail?: boolean;
  }

  /** One assertion of one request's test script. */
  export interface NewmanAssertion {
    assertion: string;
    skipped: boolean;
    error?: { name: string; message: string };
  }

  /** One executed request with what happened to it. */
  export interface NewmanExecution {
    item: { name: string };
    request?: { method: string; url: { toString(): string } };
    response?: { code: number; status: string; text(): string };
    requestError?: { name?: string; message: string };
    assertions?: NewmanAssertion[];
    testScript?: { error: { name: string; message: string } }[];
    prerequestScript?: { error: { name: string; message: string } }[];
  }

  /** One failure of any kind: assertion, script error or request error. */
  export interface NewmanFailure {
    error: { name: string; message: string; test?: string };
    at: string;
    source?: { name: string };
  }

  /** A counter of the run's statistics. */
  export interface NewmanStat {
    total: number;
    failed: number;
    pending: number;
  }

  /** What `run` passes to its callback when the run ends. */
  export interface NewmanRunSummary {
    run: {
      stats: Record<'iterations' | 'items' | 'scripts' | 'prerequests' | 'requests' | 'tests' | 'assertions' | 'testScripts' | 'prerequestScripts', NewmanStat>;
      executions: NewmanExecution[];
      failures: NewmanFailure[];
      error: Error | null;
    };
  }

  /** Runs a Postman collection and calls back with the summary once it is done. */
  export function run(options: NewmanRunOptions, callback: (error: Error | null, summary: NewmanRunSummary) => void): unknown;
}
