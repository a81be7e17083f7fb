// Reads the fields of one WeChat JSON answer; a missing or mistyped field is "malformed".
import { checkTokenOf, type TokenName } from "./token-check.js";
import { WeChatError } from "./wechat-error.js";

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export class ResponseReader {
  private constructor(
    private readonly fields: JsonObject,
    private readonly endpoint: string,
    /** Where `fields` sit in the answer, for error texts: "" or e.g. "quota.". */
    private readonly prefix: string,
  ) {}

  /** Parses an answer's body; anything but a JSON object is "malformed". */
  static parse(body: string, endpoint: string): ResponseReader {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw malformed(endpoint, "the answer is not JSON");
    }
    if (!isObject(json)) {
      throw malformed(endpoint, "the answer is not a JSON object");
    }
    return new ResponseReader(json, endpoint, "");
  }

  /** `errcode`, 0 when absent (successful answers often carry none). */
  errcode(): number {
    const errcode = this.fields.errcode ?? 0;
    if (typeof errcode !== "number" || !Number.isInteger(errcode)) {
      throw this.malformed("errcode is not an integer");
    }
    return errcode;
  }

  /** `errmsg`, "" when absent or not a string. */
  errmsg(): string {
    const { errmsg } = this.fields;
    return typeof errmsg === "string" ? errmsg : "";
  }

  /** A token or ticket, trimmed and checked (see checkToken). */
  token(field: TokenName): string {
    const value = this.fields[field];
    if (typeof value !== "string") {
      throw this.malformed(`${this.prefix}${field} is missing or not a string`);
    }
    return checkTokenOf(value, field, this.endpoint, true);
  }

  /** A number > 0, e.g. expires_in. */
  positiveNumber(field: string): number {
    const value = this.fields[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw this.malformed(`${this.prefix}${field} is not a positive number`);
    }
    return value;
  }

  /** A non-empty string, e.g. an openid. */
  string(field: string): string {
    const value = this.fields[field];
    if (typeof value !== "string" || value === "") {
      throw this.malformed(`${this.prefix}${field} is missing or not a string`);
    }
    return value;
  }

  /** A string WeChat may leave out (unionid): "" when absent. */
  optionalString(field: string): string {
    const value = this.fields[field];
    return typeof value === "string" ? value : "";
  }

  /** An integer ≥ 0, e.g. a quota count. */
  count(field: string): number {
    const value = this.fields[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw this.malformed(`${this.prefix}${field} is not a count`);
    }
    return value;
  }

  /**
   * A numeric id WeChat may leave out (msgid): a number or a string of digits, else 0.
   * Lenient on purpose: a message WeChat accepted must never be reported as failed.
   */
  optionalId(field: string): number {
    const value = this.fields[field];
    if (typeof value === "number") {
      return value;
    }
    return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : 0;
  }

  /** A nested object, read with the same rules. */
  object(field: string): ResponseReader {
    const value = this.fields[field];
    if (!isObject(value)) {
      throw this.malformed(`${this.prefix}${field} is missing or not an object`);
    }
    return new ResponseReader(value, this.endpoint, `${this.prefix}${field}.`);
  }

  /** An array of objects (e.g. func_info), each read with the same rules; [] when absent. */
  objects(field: string): ResponseReader[] {
    const value = this.fields[field] ?? [];
    if (!Array.isArray(value) || !value.every(isObject)) {
      throw this.malformed(`${this.prefix}${field} is not an array of objects`);
    }
    return value.map(
      (item, index) => new ResponseReader(item, this.endpoint, `${this.prefix}${field}[${index}].`),
    );
  }

  private malformed(problem: string): WeChatError {
    return malformed(this.endpoint, problem);
  }
}

function malformed(endpoint: string, problem: string): WeChatError {
  return new WeChatError({ kind: "malformed", endpoint, errmsg: problem });
}
