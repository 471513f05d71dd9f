/**
 * State that must be one per process, however many copies of this package the process loads.
 * An application that reaches `@qi/streaming` by both `import` (the ESM build) and `require`
 * (the CJS build), or through a bundler that duplicates it, runs two copies of every module; a
 * module-level `Map` would then be two maps (a connector registered through one copy unknown to
 * the other, two memory clusters called "default"). So each such value lives on `globalThis`
 * under a registered symbol, `Symbol.for("qi-streaming.<name>/v<layout>")`, and every copy finds
 * the one the first copy made.
 *
 * `layout` is the version of what is stored (the value's shape and the classes in it, not the
 * package's version): a copy whose layout differs uses a slot of its own instead of misreading
 * another's. A slot that is there but fails `isShape` (something else wrote it), a property read
 * that throws, or a `globalThis` that cannot be extended (frozen) give this copy a private value:
 * state that is not shared, never a crash.
 */

/** The registered symbol of a slot (exported for core's tests). */
export function processWideKey(name: string, layout: number): symbol {
  return Symbol.for(`qi-streaming.${name}/v${layout}`);
}

/** The process's one value of slot `name` at layout `layout`, created by `create` on first use. */
export function processWide<T extends object>(name: string, layout: number, create: () => T, isShape: (value: unknown) => value is T): T {
  const key = processWideKey(name, layout);
  try {
    const found: unknown = Reflect.get(globalThis, key);
    if (found !== undefined) return isShape(found) ? found : create();
  } catch {
    return create();
  }
  const value = create();
  try {
    // Not enumerable, not writable, not configurable: nothing replaces it for the life of the process.
    Object.defineProperty(globalThis, key, { value, enumerable: false, writable: false, configurable: false });
  } catch {
    // A frozen globalThis: this copy's state is its own.
  }
  return value;
}
