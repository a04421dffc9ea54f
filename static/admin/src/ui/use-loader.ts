/** Loading state for one resolver call, shared by every section so each shows loading, error and ready alike. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../bridge/admin-client';

/** A value that is loading, failed, or ready. */
export type Loadable<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly message: string; readonly error: unknown }
  | { readonly status: 'ready'; readonly value: T };

/** What useLoader answers. */
export interface Loader<T> {
  readonly state: Loadable<T>;
  /** Loads again; with `quiet` the current value stays on screen until the new one arrives. */
  readonly reload: (quiet?: boolean) => void;
  /** Replaces the value (after a save answered with the new one). */
  readonly set: (value: T) => void;
}

/**
 * Runs `load` when the component mounts and whenever `key` changes. A reply that arrives after a newer request
 * started, or after the component left the page, is dropped.
 */
export function useLoader<T>(load: () => Promise<T>, key = ''): Loader<T> {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback((quiet: boolean) => {
    generation.current += 1;
    const mine = generation.current;
    if (!quiet) setState({ status: 'loading' });
    loadRef.current().then(
      (value) => {
        if (generation.current === mine) setState({ status: 'ready', value });
      },
      (error: unknown) => {
        if (generation.current === mine) setState({ status: 'error', message: describeError(error), error });
      },
    );
  }, []);

  useEffect(() => {
    run(false);
    return () => {
      generation.current += 1;
    };
  }, [run, key]);

  const reload = useCallback((quiet = false) => run(quiet), [run]);
  const set = useCallback((value: T) => {
    generation.current += 1;
    setState({ status: 'ready', value });
  }, []);
  return { state, reload, set };
}

/** What useAction answers: run an action, with its pending flag and last error. */
export interface Action<A extends unknown[], R> {
  readonly run: (...args: A) => Promise<R | undefined>;
  readonly pending: boolean;
  readonly error: string | undefined;
  readonly clearError: () => void;
}

/** Wraps a call that changes something: tracks whether it runs and keeps its error for the section to show. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const actionRef = useRef(action);
  actionRef.current = action;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      return await actionRef.current(...args);
    } catch (caught) {
      if (mounted.current) setError(describeError(caught));
      return undefined;
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);
  const clearError = useCallback(() => setError(undefined), []);
  return { run, pending, error, clearError };
}
