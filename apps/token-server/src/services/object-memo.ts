// `make` remembered per key object: what is made for one credential (a response message,
// its serialized bytes) is made once, however many calls and streams ask for it. The
// last key asked for again is checked first, without hashing: a fan-out asks for one key
// thousands of times in a row. A key asked for once (ListApps' response of 10,000 apps)
// is never the last: nothing here keeps it, or what was made of it, once its call ends.

/** `make`, remembered for each key object, held weakly (the last one used twice too). */
export function memoByObject<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  return (key) => {
    if (key === lastKey) {
      return lastValue as V;
    }
    const known = made.get(key);
    if (known === undefined) {
      const value = make(key);
      made.set(key, value);
      return value;
    }
    lastKey = key;
    lastValue = known;
    return known;
  };
}
