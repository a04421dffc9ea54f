/**
 * One factory for the client tests' harnesses (Admin API, Bitbucket, Google): an emulator on an auto-advancing
 * virtual clock, the client under test wired to it through the validating recorder, and the after-test check that
 * neither side saw a spec violation.
 */
import { emulatorFetch } from '../../emulators/emulator-fetch';
import type { Emulator, Violation } from '../../emulators/emulator-types';
import { VirtualClock } from '../../emulators/virtual-clock';
import type { TargetFetch } from '../../src/targets/http/target-fetch';
import { ValidatingRecorder, type RecordedApi } from './validating-recorder';

/** What a client is built on: the harness's fetch and clock, and the emulator behind them. */
export interface ClientWiring<E> {
  readonly fetch: TargetFetch;
  readonly clock: VirtualClock;
  readonly emulator: E;
}

/** How to build a harness. */
export interface ClientHarnessParts<E extends Emulator, C> {
  /** The clock, when the emulator already runs on one (linked emulators); a new auto-advancing one otherwise. */
  readonly clock?: VirtualClock;
  /** Builds the emulator on the harness's clock. */
  readonly emulator: (clock: VirtualClock) => E;
  /** The API the recorder checks; the emulator is mounted at its base URL. */
  readonly api: RecordedApi;
  /** Wraps the recorded fetch before the client sees it (to corrupt answers, or to send some calls elsewhere). */
  readonly wrap?: ((fetch: TargetFetch, emulator: E) => TargetFetch) | undefined;
  /** Builds the client under test. */
  readonly client: (wiring: ClientWiring<E>) => C;
}

/** A client under test against an emulator, and the recorder between them. */
export interface ClientHarness<E extends Emulator, C> extends ClientWiring<E> {
  readonly recorder: ValidatingRecorder;
  readonly client: C;
}

/** Builds a harness: the emulator at the API's base URL, the recorder in front of it, the client on top. */
export function clientHarness<E extends Emulator, C>(parts: ClientHarnessParts<E, C>): ClientHarness<E, C> {
  const clock = parts.clock ?? new VirtualClock({ autoAdvance: true });
  const emulator = parts.emulator(clock);
  const recorder = new ValidatingRecorder(emulatorFetch({ baseUrl: parts.api.baseUrl, emulator }), [parts.api]);
  const fetch = parts.wrap === undefined ? recorder.fetch : parts.wrap(recorder.fetch, emulator);
  const client = parts.client({ fetch, clock, emulator });
  return { clock, emulator, recorder, fetch, client };
}

/** Something with recorded violations. */
interface Checked {
  readonly violations: readonly Violation[];
}

/** Asserts that the emulator and the recorder saw nothing the spec does not describe. */
export function expectNoViolations(emulator: Checked, recorder: ValidatingRecorder): void {
  expect(recorder.violations).toEqual([]);
  expect(emulator.violations).toEqual([]);
}

/**
 * Returns `build`, remembering the harness it made last, and registers an afterEach (in the scope it is called in)
 * that checks that harness for spec violations on both sides and forgets it.
 */
export function checkedAfterEach<
  A extends unknown[],
  H extends { readonly emulator: Checked; readonly recorder: ValidatingRecorder },
>(build: (...args: A) => H): (...args: A) => H {
  let current: H | undefined;
  afterEach(() => {
    if (current !== undefined) expectNoViolations(current.emulator, current.recorder);
    current = undefined;
  });
  return (...args) => {
    current = build(...args);
    return current;
  };
}
