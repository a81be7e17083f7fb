// `make` remembered per key object: what is made for one credential (a response message,
// its serialized bytes) is made once, however many calls and streams ask for it. The
// last key is checked first, without hashing: a fan-out asks for one key thousands of
// times in a row.

/** `make`, remembered for each key object (held weakly, but for the last one). */
export function memoByObject<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  return (key) => {
    if (key === lastKey) {
      return lastValue as V;
    }
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    lastKey = key;
    lastValue = value;
    return value;
  };
}
