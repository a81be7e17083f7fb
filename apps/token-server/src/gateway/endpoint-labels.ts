// The endpoint label of a proxied call, for the gate's counting and the metrics: the path
// alone (no query), an id-like segment as ":id", and a bounded set: past MAX_LABELS
// distinct paths, any new one is "/other".
const MAX_LABELS = 256;
const OTHER = "/other";
/** A path WeChat could have: slash-separated segments of letters, digits, _ . and -. */
const PATH = /^(\/[A-Za-z0-9_.-]{1,64}){1,8}\/?$/;
/** A segment that names a thing rather than an API: digits in it, or long. */
const ID_LIKE = /\d{3,}|^.{33,}$/;

export class EndpointLabels {
  private readonly labels = new Set<string>();

  /** The label of `path` (a URL's pathname). */
  of(path: string): string {
    if (!PATH.test(path)) {
      return OTHER;
    }
    const label = path
      .split("/")
      .map((segment) => (ID_LIKE.test(segment) ? ":id" : segment))
      .join("/");
    if (this.labels.has(label)) {
      return label;
    }
    if (this.labels.size >= MAX_LABELS) {
      return OTHER;
    }
    this.labels.add(label);
    return label;
  }
}
