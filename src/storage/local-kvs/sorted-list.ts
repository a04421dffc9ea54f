/**
 * An ordered set kept as a list of small sorted chunks. A lookup binary-searches the chunk maxima and then one chunk,
 * and an insert or delete moves at most one chunk's worth of elements, so every operation costs O(log n + chunk)
 * instead of the O(n) of one flat sorted array.
 */

/** A position between elements: the element at `chunk`/`index`, or the end when `chunk` equals the chunk count. */
export interface ListPosition {
  /** Which chunk. */
  readonly chunk: number;
  /** Offset inside the chunk. */
  readonly index: number;
}

/** An ordered set of unique elements (by the comparator) with O(log n) seek and in-order iteration from any point. */
export class SortedList<T> {
  private readonly chunks: T[][] = [];
  private readonly maxima: T[] = [];
  private count = 0;

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly chunkSize = 512,
  ) {
    if (chunkSize < 2) {
      throw new Error('chunkSize must be at least 2');
    }
  }

  /** How many elements the list holds. */
  get size(): number {
    return this.count;
  }

  /** Adds `item`; returns false (and changes nothing) when an equal element is already present. */
  insert(item: T): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.maxima.push(item);
      this.count = 1;
      return true;
    }
    const at = this.findFirst((x) => this.compare(x, item) >= 0);
    let chunkIndex = at.chunk;
    let offset = at.index;
    if (chunkIndex === this.chunks.length) {
      chunkIndex -= 1;
      offset = this.chunkAt(chunkIndex).length;
    } else if (this.compare(this.chunkAt(chunkIndex)[offset] as T, item) === 0) {
      return false;
    }
    const chunk = this.chunkAt(chunkIndex);
    chunk.splice(offset, 0, item);
    this.maxima[chunkIndex] = chunk[chunk.length - 1] as T;
    this.count += 1;
    if (chunk.length > 2 * this.chunkSize) {
      const tail = chunk.splice(this.chunkSize);
      this.chunks.splice(chunkIndex + 1, 0, tail);
      this.maxima.splice(chunkIndex, 1, chunk[chunk.length - 1] as T, tail[tail.length - 1] as T);
    }
    return true;
  }

  /** Removes the element equal to `item`; returns whether one was present. */
  delete(item: T): boolean {
    const at = this.findFirst((x) => this.compare(x, item) >= 0);
    if (at.chunk === this.chunks.length) {
      return false;
    }
    const chunk = this.chunkAt(at.chunk);
    if (this.compare(chunk[at.index] as T, item) !== 0) {
      return false;
    }
    chunk.splice(at.index, 1);
    this.count -= 1;
    if (chunk.length === 0) {
      this.chunks.splice(at.chunk, 1);
      this.maxima.splice(at.chunk, 1);
    } else {
      this.maxima[at.chunk] = chunk[chunk.length - 1] as T;
    }
    return true;
  }

  /**
   * The position of the first element for which `reached` holds; `reached` must be monotone over the order
   * (false for a prefix of the list, true for the rest). Returns the end position when it never holds.
   */
  findFirst(reached: (item: T) => boolean): ListPosition {
    const chunkIndex = firstTrue(this.maxima.length, (i) => reached(this.maxima[i] as T));
    if (chunkIndex === this.maxima.length) {
      return { chunk: this.chunks.length, index: 0 };
    }
    const chunk = this.chunkAt(chunkIndex);
    return { chunk: chunkIndex, index: firstTrue(chunk.length, (i) => reached(chunk[i] as T)) };
  }

  /** Elements from `start` (inclusive) to the end, in ascending order. */
  *ascendingFrom(start: ListPosition): Generator<T> {
    for (let c = start.chunk, i = start.index; c < this.chunks.length; c += 1, i = 0) {
      const chunk = this.chunkAt(c);
      for (; i < chunk.length; i += 1) {
        yield chunk[i] as T;
      }
    }
  }

  /** Elements strictly before `end`, in descending order. */
  *descendingBefore(end: ListPosition): Generator<T> {
    let c = end.chunk;
    let i = end.index - 1;
    if (i < 0) {
      c -= 1;
      i = c >= 0 ? this.chunkAt(c).length - 1 : -1;
    }
    for (; c >= 0; c -= 1, i = c >= 0 ? this.chunkAt(c).length - 1 : -1) {
      const chunk = this.chunkAt(c);
      for (; i >= 0; i -= 1) {
        yield chunk[i] as T;
      }
    }
  }

  /** All elements in ascending order. */
  [Symbol.iterator](): Generator<T> {
    return this.ascendingFrom({ chunk: 0, index: 0 });
  }

  private chunkAt(index: number): T[] {
    const chunk = this.chunks[index];
    if (chunk === undefined) {
      throw new Error(`SortedList: no chunk ${index}`);
    }
    return chunk;
  }
}

function firstTrue(length: number, holds: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(middle)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}
