// snake_case (config files) to camelCase (options) and back, for keys only; a key that is an
// endpoint's path ("/cgi-bin/component/api_query_auth", in componentDailyLimits) is data, kept.

export function camelCase(key: string): string {
  if (key.startsWith("/")) {
    return key;
  }
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** `value` with every object key, at any depth, turned to camelCase. */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(camelCaseKeys);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [camelCase(key), camelCaseKeys(inner)]),
    );
  }
  return value;
}
