// Who owns a piece of JavaScript in a profile, by its script's URL or path: a package
// under node_modules, one of ours (a file of a package's dist/ under apps/ or packages/),
// a node: module, or V8's own (GC, program, idle) when there is no script.

/** Who owns the code at `url`: a package, one of our files, a node: module, or V8. */
export function ownerOf(url: string, functionName: string): string {
  if (url === "") {
    return functionName;
  }
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const [scope = "", name = ""] = url.slice(modules + "/node_modules/".length).split("/");
    return scope.startsWith("@") ? `${scope}/${name}` : scope;
  }
  const ours = url.match(/\/(apps|packages)\/([^/]+)\/dist\/(.+)$/);
  if (ours !== null) {
    return `${ours[2]}/${ours[3]}`;
  }
  return url.startsWith("node:") ? url.split("/").slice(0, 2).join("/") : url;
}
