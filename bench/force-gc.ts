/**
 * A full garbage collection on demand, so memory deltas compare live objects rather than GC timing. Enabling
 * --expose-gc at run time keeps the npm script a plain `node --import tsx`.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export function forceGc(): void {
  gc();
  gc();
}
