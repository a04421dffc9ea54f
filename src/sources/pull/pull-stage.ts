/**
 * The staged records of one run (pull-reader.ts `Stage`) on the pull store: appended records are buffered and
 * written as chunks (`stage:<run>:<kind>:<n>`) as soon as a chunk is full, and the rest when the invocation saves its
 * progress; the run's state counts the chunks written, so a chunk written by an invocation that died before saving is
 * simply written again under the same number.
 */
import type { Stage } from './pull-reader';
import type { PullStore } from './pull-store';
import { CHUNK_BYTES, chunkBySize } from './pull-store';

/** Chunks written so far, by kind. */
export type StagedChunks = Record<string, number>;

/** A run's stage. */
export class RunStage implements Stage {
  private readonly buffers = new Map<string, { items: unknown[]; bytes: number }>();
  private readonly loaded = new Map<string, unknown[]>();

  constructor(
    private readonly store: PullStore,
    private readonly runId: string,
    /** Mutated as chunks are written; saved with the run's state. */
    readonly chunks: StagedChunks,
  ) {}

  async append(kind: string, items: readonly unknown[]): Promise<void> {
    const buffer = this.buffers.get(kind) ?? { items: [], bytes: 0 };
    this.buffers.set(kind, buffer);
    for (const item of items) {
      buffer.items.push(item);
      buffer.bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    }
    this.loaded.get(kind)?.push(...items);
    if (buffer.bytes >= CHUNK_BYTES) await this.flushKind(kind);
  }

  async all<T>(kind: string): Promise<T[]> {
    const cached = this.loaded.get(kind);
    if (cached !== undefined) return cached as T[];
    const chunks = await this.store.getMany<unknown[]>(
      Array.from({ length: this.chunks[kind] ?? 0 }, (_, n) => `stage:${this.runId}:${kind}:${n}`),
    );
    const items: unknown[] = chunks.flatMap((chunk) => chunk ?? []);
    items.push(...(this.buffers.get(kind)?.items ?? []));
    this.loaded.set(kind, items);
    return items as T[];
  }

  /** Writes every buffered record (before the run's state is saved). */
  async flush(): Promise<void> {
    for (const kind of [...this.buffers.keys()]) await this.flushKind(kind);
  }

  /** The keys of every chunk written, for the clean-up at the end of the run. */
  keys(): string[] {
    return Object.entries(this.chunks).flatMap(([kind, count]) =>
      Array.from({ length: count }, (_, n) => `stage:${this.runId}:${kind}:${n}`),
    );
  }

  private async flushKind(kind: string): Promise<void> {
    const buffer = this.buffers.get(kind);
    if (buffer === undefined || buffer.items.length === 0) return;
    for (const part of chunkBySize(buffer.items)) {
      const n = this.chunks[kind] ?? 0;
      await this.store.set(`stage:${this.runId}:${kind}:${n}`, part);
      this.chunks[kind] = n + 1;
    }
    this.buffers.delete(kind);
  }
}
