// The flat XML documents of the Open Platform callback (`<xml><Field>text</Field>...</xml>`),
// read and written with fast-xml-parser / fast-xml-builder. Every value stays a string:
// tickets and codes must never be turned into numbers. Both are loaded on first use, from
// their single-file CommonJS builds: a server that never sees XML does not load them (as
// ES modules they cost ~50 ms of CPU to load, their CommonJS builds ~10 ms).
import { createRequire } from "node:module";
import type { XMLBuilder, XMLBuilderConstructor } from "fast-xml-builder";
import type { XMLParser } from "fast-xml-parser";
import { CallbackError, type CallbackFailure } from "./callback-error.js";

const require = createRequire(import.meta.url);

const CDATA = "#cdata";

let parser: XMLParser | undefined;
let builder: XMLBuilder | undefined;

function xmlParser(): XMLParser {
  if (parser === undefined) {
    const fxp = require("fast-xml-parser") as typeof import("fast-xml-parser");
    parser = new fxp.XMLParser({
      ignoreAttributes: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      parseTagValue: false,
      trimValues: true,
    });
  }
  return parser;
}

function xmlBuilder(): XMLBuilder {
  if (builder === undefined) {
    // The CommonJS build exports the class as `default`.
    const fxb = require("fast-xml-builder") as { default: XMLBuilderConstructor };
    builder = new fxb.default({ cdataPropName: CDATA });
  }
  return builder;
}

/** Refused before parsing: nothing WeChat pushes declares a document type or entities. */
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

/** The text children of the root `<xml>` element, by name; nested elements are left out. */
export type XmlFields = ReadonlyMap<string, string>;

/** Reads `text` as `<xml>` with text children; throws CallbackError `failure` naming `what`. */
export function readXmlFields(text: string, what: string, failure: CallbackFailure): XmlFields {
  const refuse = (problem: string): CallbackError =>
    new CallbackError(failure, `${what}: ${problem}`);
  if (DOCTYPE.test(text)) {
    throw refuse("a DOCTYPE or ENTITY declaration is not allowed");
  }
  let document: unknown;
  try {
    document = xmlParser().parse(text);
  } catch {
    throw refuse("not well-formed XML");
  }
  const root = isRecord(document) ? document.xml : undefined;
  if (!isRecord(root)) {
    throw refuse("the root element must be <xml> with child elements");
  }
  const fields = new Map<string, string>();
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === "string") {
      fields.set(name, value);
    } else if (Array.isArray(value)) {
      throw refuse(`<${name}> appears more than once`);
    }
  }
  return fields;
}

/** `<xml>` with one child per field, strings in CDATA as WeChat writes them. */
export function writeXmlFields(fields: Record<string, string | number>): string {
  const children = Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      typeof value === "string" ? { [CDATA]: value } : value,
    ]),
  );
  return xmlBuilder().build({ xml: children });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
