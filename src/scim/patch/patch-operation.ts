/** One validated operation of an RFC 7644 section 3.5.2 PatchOp request. */
import type { PatchPath } from '../filter/ast';

/** The three PATCH operations of RFC 7644 section 3.5.2, lower-cased. */
export type PatchOpName = 'add' | 'replace' | 'remove';

/** An operation whose `op` is known and whose path (if any) parsed; `value` is still raw client JSON. */
export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path?: PatchPath;
  readonly value?: unknown;
}
