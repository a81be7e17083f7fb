// The flat XML documents of the Open Platform callback (`<xml><Field>text</Field>...</xml>`),
// read and written with fast-xml-parser / fast-xml-builder. Every value stays a string:
// tickets and codes must never be turned into numbers.
import Builder from "fast-xml-builder";
import { XMLParser } from "fast-xml-parser";
import { CallbackError, type CallbackFailure } from "./callback-error.js";

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
});

const CDATA = "#cdata";
const builder = new Builder({ cdataPropName: CDATA });

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
    document = parser.parse(text);
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
  return builder.build({ xml: children });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
