// A partial quicksort: sorts an array only as far as needed to put the right elements, in order,
// at positions [left, right]. Redis uses such a sort (Bentley and McIlroy's quicksort, which
// skips the partitions that lie wholly outside the wanted range) for SORT … BY … LIMIT and for
// GEORADIUS/GEOSEARCH with COUNT. The algorithm is not stable, so elements that compare equal
// come out in an order that depends on its exact steps: these are the same steps (pivot choice,
// three-way partition, insertion sort below seven elements), so ties come out as in Redis.

export type Compare<T> = (a: T, b: T) => number;

/** The median of a[i], a[j], a[k] by cmp: the index of that element. */
function median3<T>(a: T[], i: number, j: number, k: number, cmp: Compare<T>): number {
  if (cmp(a[i], a[j]) < 0) {
    if (cmp(a[j], a[k]) < 0) return j;
    return cmp(a[i], a[k]) < 0 ? k : i;
  }
  if (cmp(a[j], a[k]) > 0) return j;
  return cmp(a[i], a[k]) < 0 ? i : k;
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Swaps the n elements from i with the n elements from j. */
function swapRuns<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

/**
 * Sorts a so that a[left..right] (inclusive) hold what a full sort by cmp would put there;
 * elements outside that range are left partitioned around it, not sorted.
 */
export function partialSort<T>(a: T[], cmp: Compare<T>, left: number, right: number): void {
  sortRange(a, 0, a.length, cmp, left, right);
}

/** Sorts the n elements from lo (as far as [left, right] needs). */
function sortRange<T>(a: T[], lo: number, n: number, cmp: Compare<T>, left: number, right: number): void {
  for (;;) {
    if (n < 7) {
      for (let m = lo + 1; m < lo + n; m++) {
        for (let l = m; l > lo && cmp(a[l - 1], a[l]) > 0; l--) swap(a, l, l - 1);
      }
      return;
    }
    let pivot = lo + (n >>> 1);
    if (n > 7) {
      let first = lo;
      let last = lo + n - 1;
      if (n > 40) {
        const d = n >>> 3;
        first = median3(a, first, first + d, first + 2 * d, cmp);
        pivot = median3(a, pivot - d, pivot, pivot + d, cmp);
        last = median3(a, last - 2 * d, last - d, last, cmp);
      }
      pivot = median3(a, first, pivot, last, cmp);
    }
    swap(a, lo, pivot);
    // Three-way partition: elements equal to the pivot gather at both ends, then move to the middle.
    let pa = lo + 1;
    let pb = pa;
    let pc = lo + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb], a[lo])) <= 0) {
        if (r === 0) swap(a, pa++, pb);
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc], a[lo])) >= 0) {
        if (r === 0) swap(a, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb++, pc--);
    }
    const end = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    swapRuns(a, lo, pb - r, r);
    r = Math.min(pd - pc, end - pd - 1);
    swapRuns(a, pb, end - r, r);

    // The smaller-than-pivot part, then the greater part (as a loop), each only when it overlaps
    // the wanted range.
    const below = pb - pa;
    if (below > 1 && overlaps(lo, below, left, right)) sortRange(a, lo, below, cmp, left, right);
    const above = pd - pc;
    if (above <= 1) return;
    lo = end - above;
    n = above;
    if (!overlaps(lo, n, left, right)) return;
  }
}

/** Whether [left, right] reaches into the n elements from lo. */
function overlaps(lo: number, n: number, left: number, right: number): boolean {
  return !((left < lo && right < lo) || (left >= lo + n && right >= lo + n));
}
